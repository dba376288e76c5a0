using System.Net;

namespace MetricsAdapter.Host.Serving;

/// <summary>What <c>serve</c> was asked to do, from its flags.</summary>
public sealed record ServeSettings
{
    public required IPEndPoint Listen { get; init; }

    public string? TlsCertFile { get; init; }

    public string? TlsKeyFile { get; init; }

    public bool Demo { get; init; }

    /// <summary>Brokers (<c>--kafka-bootstrap</c>); null runs the embedded mock cluster.</summary>
    public string? KafkaBootstrap { get; init; }

    /// <summary>Where the audit spool, model snapshots and the embedded broker's address live (<c>--state-dir</c>).</summary>
    public string StateDirectory { get; init; } = DefaultStateDirectory;

    public const string DefaultStateDirectory = ".run";

    public string? ConfigFile { get; init; }

    public string LogLevel { get; init; } = "Information";

    public bool JsonLogs { get; init; }

    public string? ClientCaFile { get; init; }

    public string? RequestHeaderClientCaFile { get; init; }

    public IReadOnlyList<string> RequestHeaderAllowedNames { get; init; } = [];

    public bool AnonymousAuth { get; init; } = true;

    public IReadOnlyList<string> AlwaysAllowGroups { get; init; } = ["system:masters"];

    /// <summary>Health paths, and the webhook: kube-apiserver calls it without credentials.</summary>
    public static IReadOnlyList<string> DefaultAlwaysAllowPaths { get; } = ["/healthz", "/healthz/*", "/readyz", "/readyz/*", "/livez", "/livez/*", "/mutate"];

    public IReadOnlyList<string> AlwaysAllowPaths { get; init; } = DefaultAlwaysAllowPaths;

    public string? SidecarImage { get; init; }

    public string? NativeSidecars { get; init; }

    public string? ClusterVersion { get; init; }

    public string? OnInjectionError { get; init; }

    public string? Kubeconfig { get; init; }

    public bool AuthenticationSkipLookup { get; init; }

    /// <summary><c>--otlp-endpoint</c>: also push our metrics over OTLP to this collector. Default none.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>Flags given, as configuration keys; they override the config file. Flags not given leave option defaults.</summary>
    public IEnumerable<KeyValuePair<string, string?>> ToConfiguration() => AllKeys().Where(pair => pair.Value is not null);

    private IEnumerable<KeyValuePair<string, string?>> AllKeys()
    {
        yield return new("Serving:TlsCertFile", TlsCertFile);
        yield return new("Serving:TlsKeyFile", TlsKeyFile);
        yield return new("Logging:LogLevel:Default", LogLevel);
        yield return new("Logging:LogLevel:Microsoft.AspNetCore", LogLevel == "Information" ? "Warning" : LogLevel);
        yield return new("Security:ClientCaFile", ClientCaFile);
        yield return new("Security:RequestHeaderClientCaFile", RequestHeaderClientCaFile);
        yield return new("Security:AnonymousAuth", AnonymousAuth ? "true" : "false");
        yield return new("Security:Kubeconfig", Kubeconfig);
        yield return new("Security:AuthenticationSkipLookup", AuthenticationSkipLookup ? "true" : "false");
        yield return new("Injection:Image", SidecarImage);
        yield return new("Injection:NativeSidecars", NativeSidecars);
        yield return new("Injection:ClusterVersion", ClusterVersion);
        yield return new("Injection:OnInternalError", OnInjectionError);
        yield return new("Kafka:Bootstrap", KafkaBootstrap);

        // Injected sidecars publish where the adapter consumes, unless that is this process's embedded broker.
        yield return new("Injection:KafkaBootstrap", KafkaBootstrap is { } bootstrap && !string.Equals(bootstrap, Bus.KafkaOptions.Embedded, StringComparison.OrdinalIgnoreCase) ? bootstrap : null);
        yield return new("Kafka:BootstrapFile", Path.Combine(StateDirectory, "kafka.bootstrap"));
        yield return new("Audit:SpoolDirectory", Path.Combine(StateDirectory, "spool"));
        yield return new("Decisions:StateDirectory", Path.Combine(StateDirectory, "models"));
        foreach (var pair in Indexed("Security:RequestHeaderAllowedNames", RequestHeaderAllowedNames)
            .Concat(Indexed("Security:AlwaysAllowGroups", AlwaysAllowGroups))
            .Concat(Indexed("Security:AlwaysAllowPaths", AlwaysAllowPaths)))
        {
            yield return pair;
        }
    }

    /// <summary>A list as configuration keys <c>Section:0</c>, <c>Section:1</c>… (an empty list leaves the option's default).</summary>
    private static IEnumerable<KeyValuePair<string, string?>> Indexed(string key, IReadOnlyList<string> values) =>
        values.Select((value, i) => new KeyValuePair<string, string?>($"{key}:{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}", value));
}
