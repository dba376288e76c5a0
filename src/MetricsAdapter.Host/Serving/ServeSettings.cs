using System.Net;

namespace MetricsAdapter.Host.Serving;

/// <summary>What <c>serve</c> was asked to do, from its flags.</summary>
public sealed record ServeSettings
{
    public required IPEndPoint Listen { get; init; }

    public string? TlsCertFile { get; init; }

    public string? TlsKeyFile { get; init; }

    public bool Demo { get; init; }

    public string? ConfigFile { get; init; }

    public string LogLevel { get; init; } = "Information";

    public bool JsonLogs { get; init; }

    public string? ClientCaFile { get; init; }

    public string? RequestHeaderClientCaFile { get; init; }

    public IReadOnlyList<string> RequestHeaderAllowedNames { get; init; } = [];

    public bool AnonymousAuth { get; init; } = true;

    public IReadOnlyList<string> AlwaysAllowGroups { get; init; } = ["system:masters"];

    public IReadOnlyList<string> AlwaysAllowPaths { get; init; } = ["/healthz", "/healthz/*", "/readyz", "/readyz/*", "/livez", "/livez/*"];

    public string? Kubeconfig { get; init; }

    public bool AuthenticationSkipLookup { get; init; }

    /// <summary>Flags as configuration keys; they override the config file.</summary>
    public IEnumerable<KeyValuePair<string, string?>> ToConfiguration()
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
