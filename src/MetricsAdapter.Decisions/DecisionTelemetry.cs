using System.Diagnostics.Metrics;
using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Pipeline;

namespace MetricsAdapter.Decisions;

/// <summary>
/// Our own view of the decision pipeline: observations received, refused, late and lost; per-service freshness;
/// decisions by metric and fallback reason; decisions withheld because the audit trail refused them; quarantined
/// models; the tick's cost; and how long an observation takes to reach a served value.
/// </summary>
public sealed class DecisionTelemetry : IDisposable
{
    public const string MeterName = "MetricsAdapter.Decisions";

    private readonly Meter _meter;
    private readonly Counter<long> _received;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _lost;
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _withheld;
    private readonly Counter<long> _quarantined;
    private readonly Counter<long> _serviceFailures;
    private readonly Histogram<double> _tickDuration;
    private readonly Histogram<double> _delay;
    private Func<IEnumerable<ServiceFreshness>> _freshness = static () => [];

    public DecisionTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _received = _meter.CreateCounter<long>("metrics_adapter.observations.received", "{observation}",
            "Observation records taken off the bus, by result: accepted, rejected, late, duplicate.");
        _rejected = _meter.CreateCounter<long>("metrics_adapter.observations.rejected", "{observation}",
            "Observation records skipped as invalid, by reason (not-json, wrong-schema, impossible-value, unknown-namespace, ...).");
        _lost = _meter.CreateCounter<long>("metrics_adapter.observations.lost", "{observation}",
            "Observations missing from their pod's sequence: lost between sidecar and adapter.");
        _decisions = _meter.CreateCounter<long>("metrics_adapter.decisions", "{decision}",
            "Values decided and served, by metric and fallback reason (none when the model's own output was served).");
        _withheld = _meter.CreateCounter<long>("metrics_adapter.decisions.withheld", "{decision}",
            "Values decided but not served because the audit trail could not record them (the spool is full).");
        _quarantined = _meter.CreateCounter<long>("metrics_adapter.models.quarantined", "{model}",
            "Models that threw or answered a non-finite value and were quarantined, by kind.");
        _serviceFailures = _meter.CreateCounter<long>("metrics_adapter.decisions.service_failures", "{failure}",
            "Services whose tick failed (a bug: see the error log); their values were not updated.");
        _tickDuration = _meter.CreateHistogram("metrics_adapter.decisions.tick.duration", "s",
            "Time to decide every service at one tick (aggregation, model steps and rules).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _delay = _meter.CreateHistogram("metrics_adapter.decisions.observation_delay", "s",
            "From the publish time of the oldest observation a value includes to that value being served.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2, 5, 10, 15, 16, 17, 20, 30, 45, 60, 120] });
        _meter.CreateObservableGauge("metrics_adapter.service.observation_age",
            () => _freshness().Select(f => new Measurement<double>(f.Age.TotalSeconds,
                new KeyValuePair<string, object?>("namespace", f.Service.Namespace),
                new KeyValuePair<string, object?>("service", f.Service.Service))),
            "s", "Per service: how long ago its newest observation arrived.");
        _meter.CreateObservableGauge("metrics_adapter.services",
            () => new Measurement<long>(_freshness().LongCount()), "{service}", "Services the decision manager holds.");
    }

    /// <summary>Connects the freshness gauges to the manager that owns the services.</summary>
    internal void Observe(Func<IEnumerable<ServiceFreshness>> freshness) => _freshness = freshness;

    internal void Accepted() => _received.Add(1, new KeyValuePair<string, object?>("result", "accepted"));

    internal void Late() => _received.Add(1, new KeyValuePair<string, object?>("result", "late"));

    internal void Duplicate() => _received.Add(1, new KeyValuePair<string, object?>("result", "duplicate"));

    internal void Rejected(ObservationRejection reason)
    {
        _received.Add(1, new KeyValuePair<string, object?>("result", "rejected"));
        _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason.Label()));
    }

    internal void Lost(long count)
    {
        if (count > 0)
        {
            _lost.Add(count);
        }
    }

    internal void Decided(Decision decision) =>
        _decisions.Add(1,
            new KeyValuePair<string, object?>("metric", decision.Key.Metric),
            new KeyValuePair<string, object?>("fallback", decision.Fallback?.Reason ?? "none"));

    internal void Withheld(Decision decision) =>
        _withheld.Add(1, new KeyValuePair<string, object?>("metric", decision.Key.Metric));

    internal void ModelQuarantined(string kind) => _quarantined.Add(1, new KeyValuePair<string, object?>("model", kind));

    internal void ServiceFailed() => _serviceFailures.Add(1);

    internal void TickTook(TimeSpan elapsed) => _tickDuration.Record(elapsed.TotalSeconds);

    internal void Delay(TimeSpan delay) => _delay.Record(Math.Max(0, delay.TotalSeconds));

    public void Dispose() => _meter.Dispose();
}

/// <summary>How long ago a service's newest observation arrived.</summary>
internal readonly record struct ServiceFreshness(ServiceKey Service, TimeSpan Age);
