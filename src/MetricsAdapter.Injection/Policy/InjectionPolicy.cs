using System.Globalization;
using System.Text.Json;
using MetricsAdapter.Core.Validation;
using MetricsAdapter.Injection.Admission;
using MetricsAdapter.Injection.Json;
using static MetricsAdapter.Injection.JsonRead;

namespace MetricsAdapter.Injection.Policy;

/// <summary>A pure decision: inject the sidecar into this request's pod, or skip it with a reason label.</summary>
public interface IInjectionPolicy
{
    InjectionDecision Decide(AdmissionRequest request);
}

/// <summary>Annotation and label keys users set on pods. Contracts: documented in the README.</summary>
public static class PodKeys
{
    public const string Inject = "metrics-adapter.io/inject";
    public const string Service = "metrics-adapter.io/service";
    public const string MetricsPort = "metrics-adapter.io/metrics-port";
    public const string MetricsPath = "metrics-adapter.io/metrics-path";
    public const string Status = "metrics-adapter.io/status";
    public const string PrometheusPort = "prometheus.io/port";
    public const string PrometheusPath = "prometheus.io/path";
    public const string AppName = "app.kubernetes.io/name";
    public const string App = "app";
    public const string DefaultContainer = "kubectl.kubernetes.io/default-container";
}

/// <summary>
/// Who gets a sidecar. Opting in is the webhook configuration's job (namespace or pod label
/// <c>metrics-adapter.io/inject=enabled</c>); this policy only refuses, each rule with its reason.
/// </summary>
public sealed class InjectionPolicy(InjectionOptions options, ClusterVersionSource? cluster = null) : IInjectionPolicy
{
    private static readonly string[] PortKeys = [PodKeys.MetricsPort, PodKeys.PrometheusPort];
    private static readonly string[] PathKeys = [PodKeys.MetricsPath, PodKeys.PrometheusPath];

    // The configured version is parsed once; the discovered one can change (an upgraded control plane) and is read per review.
    private readonly bool _nativeWithoutDiscovery = options.UsesNativeSidecars();
    private readonly bool _followsCluster = options.FollowsClusterVersion;

    public InjectionDecision Decide(AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Only pods being created: a pod's containers cannot change after creation, and DELETE or CONNECT carry
        // nothing to inject into.
        if (request.Operation != "CREATE" || request.Resource != "pods" || request.SubResource.Length > 0
            || request.Kind.Kind != "Pod" || request.Object is null)
        {
            return InjectionDecision.Skip(SkipReasons.NotPodCreate,
                $"{request.Operation} of {request.Resource}{(request.SubResource.Length > 0 ? "/" + request.SubResource : string.Empty)} is not a pod being created");
        }

        // Control-plane and node-agent namespaces: a sidecar there can break the cluster itself.
        if (options.EffectiveExcludedNamespaces.Contains(request.Namespace, StringComparer.Ordinal))
        {
            return InjectionDecision.Skip(SkipReasons.SystemNamespace, $"namespace {request.Namespace} is never injected");
        }

        // Our own pods: the adapter must start without depending on itself.
        if (string.Equals(request.Namespace, options.AdapterNamespace, StringComparison.Ordinal))
        {
            return InjectionDecision.Skip(SkipReasons.AdapterNamespace, $"namespace {request.Namespace} runs the adapter itself");
        }

        var pod = request.Object.Value;
        if (Member(pod, "spec") is not { ValueKind: JsonValueKind.Object } spec
            || Member(spec, "containers") is not { ValueKind: JsonValueKind.Array } containers
            || containers.GetArrayLength() == 0)
        {
            return InjectionDecision.Skip(SkipReasons.InvalidPod, "the pod has no containers; the API server will reject it");
        }

        var metadata = Member(pod, "metadata");
        var annotations = Member(metadata, "annotations");
        var labels = Member(metadata, "labels");

        // A pod's own opt-out wins over its namespace's opt-in.
        if (string.Equals(Text(annotations, PodKeys.Inject), "false", StringComparison.OrdinalIgnoreCase))
        {
            return InjectionDecision.Skip(SkipReasons.OptedOut, $"the pod is annotated {PodKeys.Inject}: \"false\"");
        }

        // hostNetwork pods share the node's ports (our sidecar's port would collide between pods on a node) and are
        // usually node agents, not services.
        if (Member(spec, "hostNetwork") is { ValueKind: JsonValueKind.True })
        {
            return InjectionDecision.Skip(SkipReasons.HostNetwork, "the pod uses the host network");
        }

        // Re-invocation (reinvocationPolicy: IfNeeded) and retries send our own output back. The container proves
        // an injection; a status annotation alone does not (it is copied along with pod templates).
        var initContainers = Member(spec, "initContainers");
        if (AnyContainer(containers, initContainers, (container, name) => TextEquals(container, "name", name), options.ContainerName))
        {
            return InjectionDecision.Skip(SkipReasons.AlreadyInjected, $"the pod already has container {options.ContainerName}");
        }

        var native = _followsCluster && cluster?.Discovered is { } discovered ? options.UsesNativeSidecars(discovered) : _nativeWithoutDiscovery;
        var restartPolicy = Text(spec, "restartPolicy") ?? "Always";

        // A regular sidecar never exits, so a Job's pod would never complete. Only a native sidecar is safe there.
        if (!native && restartPolicy != "Always")
        {
            return InjectionDecision.Skip(SkipReasons.RunToCompletionWithoutNativeSidecars,
                $"restartPolicy {restartPolicy} pods need native sidecars (Kubernetes 1.29+), which are not enabled",
                "metrics-adapter: not injected: run-to-completion pods need native sidecars (cluster 1.29+)");
        }

        var service = Text(annotations, PodKeys.Service) ?? Text(labels, PodKeys.AppName) ?? Text(labels, PodKeys.App);
        if (service is null)
        {
            return InjectionDecision.Skip(SkipReasons.NoServiceName, "the pod names no service",
                $"metrics-adapter: not injected: set label {PodKeys.AppName} or annotation {PodKeys.Service}");
        }

        if (service.Length == 0 || KubernetesNames.ValidateLabelValue(service) is not null)
        {
            return InjectionDecision.Skip(SkipReasons.NoServiceName, $"service name \"{service}\" is not a valid label value",
                "metrics-adapter: not injected: the service name is not a valid label value");
        }

        // The sidecar listens inside the pod's network namespace: an app already on that port would make one fail.
        if (AnyContainer(containers, initContainers, UsesPort, options.Port))
        {
            return InjectionDecision.Skip(SkipReasons.PortConflict, $"a container already uses port {options.Port}",
                $"metrics-adapter: not injected: a container already uses the sidecar's port {options.Port}");
        }

        var warnings = new List<string>();
        var port = ResolvePort(annotations, warnings);
        var path = ResolvePath(annotations, warnings);
        return InjectionDecision.InjectWith(new InjectionTarget(service, port, path, native), warnings);
    }

    private int ResolvePort(SparseElement? annotations, List<string> warnings)
    {
        if (FirstAnnotation(annotations, PortKeys) is not var (key, text))
        {
            return options.DefaultMetricsPort;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
        {
            return port;
        }

        warnings.Add($"metrics-adapter: {key} \"{Short(text)}\" is not a port; scraping {options.DefaultMetricsPort}");
        return options.DefaultMetricsPort;
    }

    private string ResolvePath(SparseElement? annotations, List<string> warnings)
    {
        if (FirstAnnotation(annotations, PathKeys) is not var (key, text))
        {
            return options.DefaultMetricsPath;
        }

        if (text.StartsWith('/') && !text.Any(char.IsWhiteSpace) && text.Length <= 1024)
        {
            return text;
        }

        warnings.Add($"metrics-adapter: {key} \"{Short(text)}\" is not a path; scraping {options.DefaultMetricsPath}");
        return options.DefaultMetricsPath;
    }

    /// <summary>The first of <paramref name="keys"/> the pod annotates (ours before the widespread convention).</summary>
    private static (string Key, string Text)? FirstAnnotation(SparseElement? annotations, string[] keys)
    {
        foreach (var key in keys)
        {
            if (Text(annotations, key) is { } text)
            {
                return (key, text);
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="test"/> holds for any container or init container (objects only).</summary>
    private static bool AnyContainer<TArgument>(
        SparseElement containers, SparseElement? initContainers, Func<SparseElement, TArgument, bool> test, TArgument argument) =>
        AnyObject(containers, test, argument) || (initContainers is { ValueKind: JsonValueKind.Array } init && AnyObject(init, test, argument));

    private static bool AnyObject<TArgument>(SparseElement array, Func<SparseElement, TArgument, bool> test, TArgument argument)
    {
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object && test(item, argument))
            {
                return true;
            }
        }

        return false;
    }

    private static bool UsesPort(SparseElement container, int port)
    {
        if (Member(container, "ports") is not { ValueKind: JsonValueKind.Array } ports)
        {
            return false;
        }

        foreach (var entry in ports.EnumerateArray())
        {
            if (Member(entry, "containerPort") is { ValueKind: JsonValueKind.Number } number && number.TryGetInt64(out var value) && value == port)
            {
                return true;
            }
        }

        return false;
    }

    private static string Short(string text) => text.Length <= 24 ? text : text[..24] + "…";
}
