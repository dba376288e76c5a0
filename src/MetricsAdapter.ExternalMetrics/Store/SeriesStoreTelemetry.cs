using System.Diagnostics.Metrics;
using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Series;

namespace MetricsAdapter.ExternalMetrics.Store;

/// <summary>Our own view of the store: writes by outcome, live series and value freshness per metric.</summary>
public sealed class SeriesStoreTelemetry : IDisposable
{
    public const string MeterName = "MetricsAdapter.ExternalMetrics";

    private readonly Meter _meter;
    private readonly Counter<long> _writes;

    public SeriesStoreTelemetry(IMeterFactory meterFactory, InMemorySeriesStore store)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(store);
        _meter = meterFactory.Create(MeterName);
        _writes = _meter.CreateCounter<long>(
            "metrics_adapter.series.writes", "{write}", "Writes into the series store, by metric and outcome.");
        _meter.CreateObservableGauge(
            "metrics_adapter.series.live",
            () => store.GetFreshness().Select(f => new Measurement<long>(f.SeriesCount, new KeyValuePair<string, object?>("metric", f.Metric))),
            "{series}",
            "Series currently served, by metric.");
        _meter.CreateObservableGauge(
            "metrics_adapter.series.newest_value_age",
            () => store.GetFreshness()
                .Where(f => f.NewestAge is not null)
                .Select(f => new Measurement<double>(f.NewestAge!.Value.TotalSeconds, new KeyValuePair<string, object?>("metric", f.Metric))),
            "s",
            "Age of the most recent value of any series of the metric: grows when producers stop.");
        _meter.CreateObservableGauge(
            "metrics_adapter.series.oldest_value_age",
            () => store.GetFreshness()
                .Where(f => f.OldestAge is not null)
                .Select(f => new Measurement<double>(f.OldestAge!.Value.TotalSeconds, new KeyValuePair<string, object?>("metric", f.Metric))),
            "s",
            "Age of the stalest served value of the metric; values older than the staleness limit are not served.");
    }

    /// <summary>Counts one write by outcome; a null result is a withdrawal.</summary>
    public void RecordWrite(string metric, SeriesWriteResult? result) =>
        _writes.Add(1, new KeyValuePair<string, object?>("metric", metric), new KeyValuePair<string, object?>("result", ResultLabel(result)));

    public void Dispose() => _meter.Dispose();

    private static string ResultLabel(SeriesWriteResult? result) => result switch
    {
        null => "withdrawn",
        SeriesWriteResult.Created => "created",
        SeriesWriteResult.Updated => "updated",
        SeriesWriteResult.IgnoredOutOfOrder => "ignored_out_of_order",
        SeriesWriteResult.RejectedUnknownMetric => "rejected_unknown_metric",
        SeriesWriteResult.RejectedInvalidNamespace => "rejected_invalid_namespace",
        SeriesWriteResult.RejectedStoreFull => "rejected_store_full",
        _ => "other",
    };
}

/// <summary>Counts every write by outcome on its way into the store.</summary>
public sealed class CountingSeriesWriter(ISeriesWriter inner, SeriesStoreTelemetry telemetry) : ISeriesWriter
{
    public SeriesWriteResult Write(SeriesPoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        var result = inner.Write(point);
        telemetry.RecordWrite(point.Metric.ToLowerInvariant(), result);
        return result;
    }

    public bool Withdraw(string metric, string namespaceName, LabelSet labels)
    {
        var withdrawn = inner.Withdraw(metric, namespaceName, labels);
        if (withdrawn)
        {
            telemetry.RecordWrite(metric.ToLowerInvariant(), null);
        }

        return withdrawn;
    }
}
