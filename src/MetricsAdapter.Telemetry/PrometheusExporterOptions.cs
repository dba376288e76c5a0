namespace MetricsAdapter.Telemetry;

/// <summary>What the exporter collects and how it buckets histograms.</summary>
public sealed record PrometheusExporterOptions
{
    /// <summary>
    /// Meters collected: exact names, or prefixes ending in <c>*</c>. Default: ours, ASP.NET Core hosting
    /// (request counts and latency), Kestrel (connections) and the .NET runtime (CPU, GC, memory).
    /// </summary>
    public IReadOnlyList<string> Meters { get; init; } =
    [
        "MetricsAdapter.*",
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "System.Runtime",
    ];

    /// <summary>
    /// Bucket upper bounds by instrument name, overriding the instrument's own advice. The default gives request
    /// latency sub-millisecond resolution: this server answers in tens of microseconds.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> HistogramBoundaries { get; init; } =
        new Dictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal)
        {
            ["http.server.request.duration"] =
                [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        };

    /// <summary>Bounds for histograms with neither an override nor advice (OpenTelemetry's defaults, in seconds).</summary>
    public IReadOnlyList<double> DefaultHistogramBoundaries { get; init; } =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <summary>
    /// Most label combinations kept per instrument; further ones are folded into one series labelled
    /// <c>otel_metric_overflow="true"</c>, so a label explosion cannot exhaust memory. Default 2000.
    /// </summary>
    public int MaxSeriesPerInstrument { get; init; } = 2000;
}
