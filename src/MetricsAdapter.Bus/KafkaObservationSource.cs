using Confluent.Kafka;
using MetricsAdapter.Core.Observations;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.Bus;

/// <summary>
/// Observations from the observation topic, as one member of the decision managers' consumer group: each
/// service's records arrive in order (they share a partition by key). Offsets are committed automatically:
/// observations are telemetry, and one seen twice after a restart is recognised by its sequence.
/// </summary>
public sealed partial class KafkaObservationSource : IObservationSource
{
    public const string Role = "observation-consumer";

    private readonly KafkaClientSettings _settings;
    private readonly BusTelemetry _telemetry;
    private readonly KafkaClientLog _clientLog;
    private readonly ILogger<KafkaObservationSource> _logger;

    public KafkaObservationSource(KafkaClientSettings settings, TimeProvider timeProvider, BusTelemetry telemetry, KafkaConnectivity connectivity, ILogger<KafkaObservationSource> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        (_settings, _telemetry, _logger) = (settings, telemetry, logger);
        _clientLog = new KafkaClientLog(Role, logger, timeProvider, connectivity, telemetry);
    }

    public string Description => $"Kafka topic {_settings.Options.ObservationsTopic} at {_settings.BootstrapServers} (group {_settings.Options.ConsumerGroup})";

    public Task RunAsync(IObservationSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var backoff = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                Consume(sink, cancellationToken);
            }
            catch (KafkaException exception)
            {
                LogRebuilding(_logger, exception.Error.Code.ToString(), exception.Message, backoff);
                if (cancellationToken.WaitHandle.WaitOne(backoff))
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }

        return Task.CompletedTask;
    }

    private void Consume(IObservationSink sink, CancellationToken cancellationToken)
    {
        var topic = _settings.Options.ObservationsTopic;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(_settings.For("metrics-adapter-decisions",
                ("group.id", _settings.Options.ConsumerGroup),
                ("auto.offset.reset", "latest"),
                ("enable.auto.commit", "true"),
                ("partition.assignment.strategy", "cooperative-sticky")))
            .SetErrorHandler((_, error) => _clientLog.OnError(error))
            .SetLogHandler((_, message) => _clientLog.OnLog(message))
            .SetPartitionsAssignedHandler((_, partitions) => LogAssigned(_logger, topic, partitions.Count))
            .Build();
        consumer.Subscribe(topic);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                ConsumeResult<byte[], byte[]>? result;
                try
                {
                    result = consumer.Consume(TimeSpan.FromMilliseconds(250));
                }
                catch (ConsumeException exception) when (!exception.Error.IsFatal)
                {
                    _clientLog.OnError(exception.Error);
                    continue;
                }

                if (result?.Message is not { } message)
                {
                    continue;
                }

                _clientLog.Reached();
                _telemetry.Consumed();
                var published = message.Timestamp.Type == TimestampType.NotAvailable ? (DateTimeOffset?)null : new DateTimeOffset(message.Timestamp.UtcDateTime, TimeSpan.Zero);
                try
                {
                    sink.Accept(new ObservationRecord(message.Key ?? [], message.Value ?? [], published,
                        new RecordOrigin(topic, result.Partition.Value, result.Offset.Value)));
                }
#pragma warning disable CA1031 // One record must never stop the consumer: a fault in handling it is logged and the record skipped.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    LogRecordFailed(_logger, new RecordOrigin(topic, result.Partition.Value, result.Offset.Value), exception);
                }
            }
        }
        finally
        {
            // Leave the group now rather than after the session timeout, so another manager takes over at once.
            consumer.Close();
        }
    }

    [LoggerMessage(EventId = 5501, Level = LogLevel.Information, Message = "Assigned {Partitions} more partitions of {Topic}")]
    private static partial void LogAssigned(ILogger logger, string topic, int partitions);

    [LoggerMessage(EventId = 5503, Level = LogLevel.Error, Message = "Handling the observation at {Origin} failed; it is skipped")]
    private static partial void LogRecordFailed(ILogger logger, RecordOrigin origin, Exception exception);

    [LoggerMessage(EventId = 5502, Level = LogLevel.Warning, Message = "The observation consumer failed ({Code}: {Reason}); rebuilding it in {Backoff}")]
    private static partial void LogRebuilding(ILogger logger, string code, string reason, TimeSpan backoff);
}
