using System.ComponentModel.DataAnnotations;

namespace MetricsAdapter.Injection;

/// <summary>When the sidecar goes into <c>initContainers</c> with <c>restartPolicy: Always</c> (a native sidecar).</summary>
public enum NativeSidecarMode
{
    /// <summary>Native when <see cref="InjectionOptions.ClusterVersion"/> is 1.29 or later (SidecarContainers on by default); else a regular container.</summary>
    Auto,

    Always,

    Never,
}

/// <summary>What to do when the webhook itself fails on a request.</summary>
public enum InternalErrorAction
{
    /// <summary>Admit the pod unchanged, with a warning: an outage of ours never blocks deployments (default).</summary>
    Allow,

    /// <summary>Refuse the pod: use when a pod without the sidecar is worse than no pod.</summary>
    Deny,
}

/// <summary>The injected sidecar and the webhook's rules. Bound from configuration section <c>Injection</c>, validated at start.</summary>
public sealed record InjectionOptions
{
    public const string SectionName = "Injection";

    /// <summary>Sidecar image: the Native AOT sidecar the Dockerfile's <c>sidecar</c> target builds. Default this build's (<c>ghcr.io/metrics-adapter/metrics-adapter-sidecar:&lt;version&gt;</c>).</summary>
    [Required]
    public string Image { get; init; } = Core.BuildVersion.SidecarImage;

    /// <summary>Sidecar version written into the status annotation. Default this build's version.</summary>
    [Required]
    public string Version { get; init; } = Core.BuildVersion.Semantic;

    /// <summary>Container name; its presence is how re-invocations recognise an injected pod. Default metrics-adapter-predictor.</summary>
    [Required]
    public string ContainerName { get; init; } = "metrics-adapter-predictor";

    /// <summary>Sidecar arguments. Default <c>sidecar</c> with its listen address.</summary>
    public IReadOnlyList<string>? Args { get; init; }

    /// <summary>Port of the sidecar's own health and /metrics endpoints. Default 9464; range 1–65535.</summary>
    [Range(1, 65535)]
    public int Port { get; init; } = 9464;

    /// <summary>CPU request. Mandatory: without it a CPU-utilisation HPA on the pod fails (<c>missing request for cpu</c>). Default 20m.</summary>
    [Required]
    public string CpuRequest { get; init; } = "20m";

    /// <summary>Memory request. Default 40Mi.</summary>
    [Required]
    public string MemoryRequest { get; init; } = "40Mi";

    /// <summary>CPU limit; empty for none. Default 200m.</summary>
    public string? CpuLimit { get; init; } = "200m";

    /// <summary>Memory limit; empty for none. Default 96Mi.</summary>
    public string? MemoryLimit { get; init; } = "96Mi";

    /// <summary>User and group the sidecar runs as (non-root). Default 64198.</summary>
    [Range(1, int.MaxValue)]
    public long RunAsUser { get; init; } = 64198;

    /// <summary>Native sidecar mode. Default Auto.</summary>
    public NativeSidecarMode NativeSidecars { get; init; } = NativeSidecarMode.Auto;

    /// <summary>
    /// Cluster version (<c>1.29</c>, <c>v1.30.2</c>) for <see cref="NativeSidecarMode.Auto"/>, overriding what kube-apiserver
    /// reports (<see cref="Policy.ClusterVersionRefresher"/>); unset: the reported one, or a regular container while unknown.
    /// </summary>
    public string? ClusterVersion { get; init; }

    /// <summary>The adapter's own namespace: never injected. Default metrics-adapter.</summary>
    [Required]
    public string AdapterNamespace { get; init; } = "metrics-adapter";

    /// <summary>Namespaces never injected besides the adapter's. Default kube-system, kube-public, kube-node-lease.</summary>
    public IReadOnlyList<string>? ExcludedNamespaces { get; init; }

    /// <summary>Port of the app's metrics when no annotation names one. Default 8080.</summary>
    [Range(1, 65535)]
    public int DefaultMetricsPort { get; init; } = 8080;

    /// <summary>Path of the app's metrics when no annotation names one. Default /metrics.</summary>
    [Required]
    public string DefaultMetricsPath { get; init; } = "/metrics";

    /// <summary>Extra environment for the sidecar (e.g. METRICS_ADAPTER_SCRAPE_INTERVAL, METRICS_ADAPTER_REQUESTS_METRIC). Default none.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>
    /// Kafka bootstrap servers handed to the sidecar as <c>METRICS_ADAPTER_KAFKA_BOOTSTRAP</c>. Default unset: <c>serve</c>
    /// fills it from <c>--kafka-bootstrap</c> unless that is the embedded broker.
    /// </summary>
    public string? KafkaBootstrap { get; init; }

    /// <summary>
    /// A Secret in the pod's namespace holding the sidecar's Kafka TLS/SASL material, one librdkafka setting per key
    /// (<c>sasl.username</c>, <c>sasl.password</c>, <c>security.protocol</c>, <c>sasl.mechanism</c>) and <c>ca.crt</c>,
    /// <c>tls.crt</c>, <c>tls.key</c> for TLS. Mounted read-only at <c>/etc/metrics-adapter/kafka</c> (optional, so a
    /// missing Secret never blocks the pod); never put in environment or arguments. Default unset: no mount.
    /// </summary>
    public string? KafkaSecretName { get; init; }

    /// <summary>What an internal error answers. Default Allow (fail open).</summary>
    public InternalErrorAction OnInternalError { get; init; } = InternalErrorAction.Allow;

    /// <summary>Largest AdmissionReview accepted; larger bodies get 413. Default 6 MiB (an object can be 3 MiB, and UPDATE carries two).</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int MaxRequestBytes { get; init; } = 6 * 1024 * 1024;

    public static IReadOnlyList<string> DefaultExcludedNamespaces { get; } = ["kube-system", "kube-public", "kube-node-lease"];

    public IReadOnlyList<string> EffectiveArgs => Args ?? ["sidecar", $"--listen=:{Port}"];

    public IReadOnlyList<string> EffectiveExcludedNamespaces => ExcludedNamespaces ?? DefaultExcludedNamespaces;

    /// <summary>Whether the cluster's reported version decides: auto mode with no <see cref="ClusterVersion"/> configured.</summary>
    public bool FollowsClusterVersion => NativeSidecars == NativeSidecarMode.Auto && !TryParseVersion(ClusterVersion, out _);

    /// <summary>Whether the sidecar is injected as a native sidecar under these options, given the version the cluster reports.</summary>
    /// <remarks>
    /// <see cref="ClusterVersion"/>, when set, overrides what the cluster reports. With neither known the sidecar is a
    /// regular container: before 1.29 a native sidecar would become an init container that never exits, and the pod
    /// would never start.
    /// </remarks>
    public bool UsesNativeSidecars(Version? discovered = null) => NativeSidecars switch
    {
        NativeSidecarMode.Always => true,
        NativeSidecarMode.Never => false,
        _ => (TryParseVersion(ClusterVersion, out var configured) ? configured : discovered) is { } version && version >= new Version(1, 29),
    };

    /// <summary>Reads <c>1.29</c>, <c>v1.29.3</c>, <c>1.29.3-gke.100</c>.</summary>
    public static bool TryParseVersion(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Version? version)
    {
        version = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var parts = text.Trim().TrimStart('v').Split('.', '-', '+');
        return parts.Length >= 2
            && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var major)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var minor)
            && (version = new Version(major, minor)) is not null;
    }
}
