using System.Diagnostics.Metrics;
using MetricsAdapter.Bus;

namespace MetricsAdapter.Sidecar;

/// <summary>The sidecar's own metrics on <c>/metrics</c>: scrapes, their errors and duration, observations sent, buffered and dropped.</summary>
public sealed class SidecarTelemetry : IDisposable
{
    public const string MeterName = "MetricsAdapter.Sidecar";

    private readonly Meter _meter;
    private readonly Counter<long> _scrapes;
    private readonly Counter<long> _scrapeErrors;
    private readonly Histogram<double> _scrapeDuration;
    private readonly Counter<long> _seriesOverLimit;
    private long _lastSuccessTicks;
    private long _counterResets;
    private double _score;
    private BufferedObservationPublisher? _publisher;

    public SidecarTelemetry(IMeterFactory meterFactory, SidecarOptions options)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(options);
        _meter = meterFactory.Create(MeterName);
        _scrapes = _meter.CreateCounter<long>("metrics_adapter.sidecar.scrapes", "{scrape}",
            "Scrapes of the app's metrics endpoint, by result: success or failed.");
        _scrapeErrors = _meter.CreateCounter<long>("metrics_adapter.sidecar.scrape.errors", "{scrape}",
            "Failed scrapes by reason: unreachable, timeout, http-status, syntax, too-large.");
        _scrapeDuration = _meter.CreateHistogram("metrics_adapter.sidecar.scrape.duration", "s",
            "How long one scrape of the app took, parsing included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _seriesOverLimit = _meter.CreateCounter<long>("metrics_adapter.sidecar.series_over_limit", "{series}",
            "Series of the wanted metrics ignored because a scrape had more than METRICS_ADAPTER_MAX_SERIES.");
        _meter.CreateObservableGauge("metrics_adapter.sidecar.last_success_timestamp", () => Interlocked.Read(ref _lastSuccessTicks) is var ticks and > 0
                ? [new Measurement<double>((ticks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerSecond)]
                : Array.Empty<Measurement<double>>(),
            "s", "Unix time of the last successful scrape.");
        _meter.CreateObservableCounter("metrics_adapter.sidecar.counter_resets", () => Interlocked.Read(ref _counterResets), "{reset}",
            "Counter resets seen in the app's metrics (app restarts).");
        _meter.CreateObservableGauge("metrics_adapter.sidecar.pod_anomaly_score", () => Volatile.Read(ref _score), "1",
            "The pod's latest latency anomaly score, 0..1.");
        _meter.CreateObservableGauge("metrics_adapter.sidecar.configuration_problems", () => options.Problems.Count, "{problem}",
            "Settings the sidecar could not use (logged at start); it runs with defaults or degraded.");
        _meter.CreateObservableCounter("metrics_adapter.sidecar.observations", ObservationCounts, "{observation}",
            "Observations by result: sent (acknowledged by Kafka), dropped (buffer full, or refused for good).");
        _meter.CreateObservableGauge("metrics_adapter.sidecar.observations_buffered", () => _publisher?.Buffered ?? 0, "{observation}",
            "Observations waiting for Kafka, in the buffer or in flight.");
        _meter.CreateObservableCounter("metrics_adapter.sidecar.observations_redelivered", () => _publisher?.FailedDeliveries ?? 0, "{observation}",
            "Deliveries that failed (Kafka unreachable, timed out) and went back to the buffer.");
    }

    internal void Observe(BufferedObservationPublisher publisher) => _publisher = publisher;

    public void Scraped(bool succeeded, string? errorKind, TimeSpan duration, DateTimeOffset at)
    {
        _scrapes.Add(1, new KeyValuePair<string, object?>("result", succeeded ? "success" : "failed"));
        _scrapeDuration.Record(duration.TotalSeconds);
        if (succeeded)
        {
            Interlocked.Exchange(ref _lastSuccessTicks, at.UtcTicks);
        }
        else
        {
            _scrapeErrors.Add(1, new KeyValuePair<string, object?>("reason", errorKind));
        }
    }

    public void SeriesOverLimit(long count) => _seriesOverLimit.Add(count);

    public void Computed(long counterResets, double score)
    {
        Interlocked.Exchange(ref _counterResets, counterResets);
        Volatile.Write(ref _score, score);
    }

    private IEnumerable<Measurement<long>> ObservationCounts()
    {
        if (_publisher is not { } publisher)
        {
            yield break;
        }

        yield return new Measurement<long>(publisher.Sent, new KeyValuePair<string, object?>("result", "sent"));
        yield return new Measurement<long>(publisher.Dropped, new KeyValuePair<string, object?>("result", "dropped"));
    }

    public void Dispose() => _meter.Dispose();
}
