using System.Text;
using MetricsAdapter.Bus.Spool;
using MetricsAdapter.Core.Decisions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.Bus;

/// <summary>
/// The audit sink the decision manager writes to: each decision becomes a decision record v1 (CloudEvents,
/// structured JSON) keyed <c>namespace/service/metric</c>, appended to the fsync'd spool; the shipper takes it to
/// Kafka from there. Recording never waits for Kafka, so the adapter serves on while the broker is away.
/// </summary>
public sealed partial class SpooledAuditSink(
    DecisionSpool spool,
    KafkaDecisionShipper shipper,
    IOptions<AuditOptions> options,
    TimeProvider timeProvider,
    ILogger<SpooledAuditSink> logger) : IAuditSink
{
    private readonly string _source = options.Value.ResolvedSource();
    private long _nextFullWarning;
    private long _nextNearFullWarning;

    public ValueTask<int> RecordAsync(IReadOnlyList<Decision> decisions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var records = new SpoolRecord[decisions.Count];
        for (var i = 0; i < decisions.Count; i++)
        {
            records[i] = new SpoolRecord(decisions[i].Tick, Encoding.UTF8.GetBytes(decisions[i].Key.ToString()), DecisionEvents.Serialize(decisions[i], _source));
        }

        int appended;
        try
        {
            appended = spool.Append(records);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The disk refused (full, read-only): nothing is recorded, so nothing of this tick is served.
            LogUnwritable(logger, records.Length, exception.Message);
            return ValueTask.FromResult(0);
        }

        if (appended > 0)
        {
            shipper.Wake();
        }

        var now = timeProvider.GetUtcNow().UtcTicks;
        if (appended < records.Length && now >= _nextFullWarning)
        {
            _nextFullWarning = now + TimeSpan.TicksPerMinute;
            LogFull(logger, records.Length - appended, spool.Bytes, spool.MaxBytes, spool.Depth);
        }
        else if (spool.Bytes > spool.MaxBytes * 0.8 && now >= _nextNearFullWarning)
        {
            _nextNearFullWarning = now + TimeSpan.TicksPerMinute;
            LogNearlyFull(logger, spool.Bytes, spool.MaxBytes, spool.Depth);
        }

        return ValueTask.FromResult(appended);
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Critical,
        Message = "The audit spool is FULL ({Bytes} of {Max} bytes, {Depth} decisions waiting for Kafka): {Refused} decisions of this tick are not recorded and so NOT SERVED; their series age out and HPAs hold. Restore Kafka or raise Audit:SpoolMaxBytes")]
    private static partial void LogFull(ILogger logger, int refused, long bytes, long max, long depth);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Critical,
        Message = "The audit spool cannot be written ({Error}): {Refused} decisions of this tick are not recorded and so NOT SERVED")]
    private static partial void LogUnwritable(ILogger logger, int refused, string error);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Warning,
        Message = "The audit spool is over 80% full ({Bytes} of {Max} bytes, {Depth} decisions waiting for Kafka)")]
    private static partial void LogNearlyFull(ILogger logger, long bytes, long max, long depth);
}
