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

    /// <summary>Flags as configuration keys; they override the config file.</summary>
    public IEnumerable<KeyValuePair<string, string?>> ToConfiguration()
    {
        yield return new("Serving:TlsCertFile", TlsCertFile);
        yield return new("Serving:TlsKeyFile", TlsKeyFile);
        yield return new("Logging:LogLevel:Default", LogLevel);
        yield return new("Logging:LogLevel:Microsoft.AspNetCore", LogLevel == "Information" ? "Warning" : LogLevel);
    }
}
