namespace MetricsAdapter.Sidecar.Exposition;

/// <summary>
/// Where an app's request counts, status codes and latency histogram are found. A convention needs a latency
/// histogram or a request counter; without a counter, requests are the histogram's <c>_count</c>.
/// </summary>
/// <param name="Name">Shown in logs and on <c>/metrics</c>.</param>
/// <param name="RequestsCounter">Sample name of the request counter (with its <c>_total</c>), or null.</param>
/// <param name="LatencyHistogram">Histogram family name (without <c>_bucket</c>), or null.</param>
/// <param name="LatencyUnitSeconds">Seconds per unit of the histogram's bounds and sum: 1, or 0.001 for milliseconds.</param>
/// <param name="StatusLabels">Labels holding the HTTP status code, first present wins.</param>
public sealed record MetricConvention(
    string Name,
    string? RequestsCounter,
    string? LatencyHistogram,
    double LatencyUnitSeconds,
    IReadOnlyList<string> StatusLabels)
{
    /// <summary>
    /// The conventions recognised without configuration, tried in this order; the first with data in a scrape is used.
    /// </summary>
    public static IReadOnlyList<MetricConvention> Defaults { get; } =
    [
        // Prometheus client libraries (Go promhttp examples, Python, Java simpleclient, Ruby): the classic pair.
        new("prometheus-client", "http_requests_total", "http_request_duration_seconds", 1, ["code", "status", "status_code"]),

        // prometheus-net's ASP.NET Core middleware.
        new("prometheus-net", "http_requests_received_total", "http_request_duration_seconds", 1, ["code"]),

        // OpenTelemetry HTTP semantic conventions (stable), through the Prometheus exporter or the collector.
        new("opentelemetry", null, "http_server_request_duration_seconds", 1, ["http_response_status_code"]),

        // OpenTelemetry before the stable conventions: http.server.duration in milliseconds.
        new("opentelemetry-legacy", null, "http_server_duration_milliseconds", 0.001, ["http_status_code"]),

        // Micrometer (Spring Boot Actuator) with percentile histograms enabled.
        new("micrometer", null, "http_server_requests_seconds", 1, ["status"]),
    ];

    /// <summary>Sample names this convention reads.</summary>
    public IEnumerable<string> SampleNames()
    {
        if (RequestsCounter is { } counter)
        {
            yield return counter;
        }

        if (LatencyHistogram is { } histogram)
        {
            yield return histogram + "_bucket";
            yield return histogram + "_sum";
            yield return histogram + "_count";
        }
    }
}
