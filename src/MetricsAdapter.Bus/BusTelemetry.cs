using System.Diagnostics.Metrics;
using MetricsAdapter.Bus.Spool;

namespace MetricsAdapter.Bus;

/// <summary>Our own view of the bus: the audit spool's depth, size and refusals, what was shipped, client errors, reachability.</summary>
public sealed class BusTelemetry : IDisposable
{
    public const string MeterName = "MetricsAdapter.Bus";

    private readonly Meter _meter;
    private readonly Counter<long> _shipped;
    private readonly Counter<long> _alreadyInKafka;
    private readonly Counter<long> _refusedByBroker;
    private readonly Counter<long> _clientErrors;
    private readonly Counter<long> _consumed;
    private DecisionSpool? _spool;

    public BusTelemetry(IMeterFactory meterFactory, KafkaConnectivity connectivity)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(connectivity);
        _meter = meterFactory.Create(MeterName);
        _shipped = _meter.CreateCounter<long>("metrics_adapter.audit.shipped", "{decision}",
            "Decision records confirmed by Kafka on the audit topic.");
        _alreadyInKafka = _meter.CreateCounter<long>("metrics_adapter.audit.already_shipped", "{decision}",
            "Spooled records found already on the audit topic after a restart, and not sent again.");
        _refusedByBroker = _meter.CreateCounter<long>("metrics_adapter.audit.refused_by_broker", "{decision}",
            "Decision records the broker refused for good (too large, invalid), set aside in <spool>/refused.");
        _clientErrors = _meter.CreateCounter<long>("metrics_adapter.kafka.client.errors", "{error}",
            "Errors reported by Kafka clients, by client role and librdkafka error code.");
        _consumed = _meter.CreateCounter<long>("metrics_adapter.kafka.consumed", "{record}",
            "Records taken off the observation topic.");
        _meter.CreateObservableGauge("metrics_adapter.spool.depth", () => SpoolReading(s => s.Depth), "{decision}",
            "Decisions in the audit spool not yet confirmed by Kafka.");
        _meter.CreateObservableGauge("metrics_adapter.spool.size", () => SpoolReading(s => s.Bytes), "By",
            "Bytes the audit spool holds on disk.");
        _meter.CreateObservableGauge("metrics_adapter.spool.limit", () => SpoolReading(s => s.MaxBytes), "By",
            "Bytes the audit spool may hold; at the limit new decisions are refused and not served.");
        _meter.CreateObservableCounter("metrics_adapter.spool.refused", () => SpoolReading(s => s.Refused), "{decision}",
            "Decisions the full audit spool refused (not recorded, so not served).");
        _meter.CreateObservableGauge("metrics_adapter.kafka.reachable",
            () => connectivity.Roles.Select(role => new Measurement<int>(connectivity.DownSince(role) is null ? 1 : 0,
                new KeyValuePair<string, object?>("client", role))),
            "{boolean}", "1 while the client reaches a broker, 0 since librdkafka reported all brokers down.");
    }

    internal void Observe(DecisionSpool spool) => _spool = spool;

    /// <summary>No measurement at all in a process without a spool (the sidecar), rather than a misleading zero.</summary>
    private IEnumerable<Measurement<long>> SpoolReading(Func<DecisionSpool, long> read) =>
        _spool is { } spool ? [new Measurement<long>(read(spool))] : [];

    internal void Shipped(long count) => _shipped.Add(count);

    internal void AlreadyShipped(long count) => _alreadyInKafka.Add(count);

    internal void Refused() => _refusedByBroker.Add(1);

    internal void ClientError(string role, string code) =>
        _clientErrors.Add(1, new KeyValuePair<string, object?>("client", role), new KeyValuePair<string, object?>("error", code));

    internal void Consumed() => _consumed.Add(1);

    public void Dispose() => _meter.Dispose();
}
