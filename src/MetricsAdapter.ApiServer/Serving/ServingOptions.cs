namespace MetricsAdapter.ApiServer.Serving;

/// <summary>Where the TLS serving certificate comes from. Bound from configuration section <c>Serving</c>.</summary>
public sealed record ServingOptions
{
    public const string SectionName = "Serving";

    /// <summary>
    /// PEM certificate (with any intermediates) presented to clients. With <see cref="TlsKeyFile"/>; when both are
    /// empty a self-signed certificate for localhost is generated in memory, good for nothing but local trials.
    /// </summary>
    public string? TlsCertFile { get; init; }

    /// <summary>PEM private key of <see cref="TlsCertFile"/>.</summary>
    public string? TlsKeyFile { get; init; }

    /// <summary>
    /// How often the files are checked for replacement (cert-manager rotation, a re-mounted Secret). Default 10
    /// seconds; range 1 second – 1 hour.
    /// </summary>
    public TimeSpan ReloadCheckInterval { get; init; } = TimeSpan.FromSeconds(10);
}
