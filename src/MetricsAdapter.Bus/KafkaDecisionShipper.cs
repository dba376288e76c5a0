using System.Collections.Concurrent;
using Confluent.Kafka;
using MetricsAdapter.Bus.Spool;
using MetricsAdapter.Core.Decisions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.Bus;

/// <summary>
/// Takes the spool to the audit topic, in order, and acknowledges what Kafka confirmed. The producer is idempotent
/// (<c>acks=all</c>) and never times a record out, so librdkafka keeps order per partition through an outage;
/// records wait on disk, not in memory, beyond <see cref="AuditOptions.MaxInFlight"/>. After a restart (or a new
/// producer) the records that may have reached Kafka unconfirmed are looked up on the topic by id and not sent
/// again, so each decision is there once.
/// </summary>
public sealed partial class KafkaDecisionShipper : BackgroundService
{
    public const string Role = "audit-producer";
    private const int ReadBatch = 1000;

    private readonly DecisionSpool _spool;
    private readonly KafkaClientSettings _settings;
    private readonly AuditOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly BusTelemetry _telemetry;
    private readonly KafkaClientLog _clientLog;
    private readonly ILogger<KafkaDecisionShipper> _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly ConcurrentQueue<(long Sequence, Error? Error, byte[]? Value)> _reports = new();

    public KafkaDecisionShipper(
        DecisionSpool spool,
        KafkaClientSettings settings,
        IOptions<AuditOptions> options,
        TimeProvider timeProvider,
        BusTelemetry telemetry,
        KafkaConnectivity connectivity,
        ILogger<KafkaDecisionShipper> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(telemetry);
        (_spool, _settings, _options, _timeProvider, _telemetry, _logger) = (spool, settings, options.Value, timeProvider, telemetry, logger);
        _clientLog = new KafkaClientLog(Role, logger, timeProvider, connectivity, telemetry);
        telemetry.Observe(spool);
    }

    /// <summary>New records are in the spool.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already awake.
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ShipAsync(stoppingToken);
                backoff = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (KafkaException exception)
            {
                LogSessionFailed(_logger, exception.Error.Code.ToString(), exception.Message, backoff);
            }
            catch (ShipmentFailedException exception)
            {
                LogSessionFailed(_logger, exception.Code, exception.Message, backoff);
            }
            catch (IOException exception)
            {
                LogSessionFailed(_logger, "spool", exception.Message, backoff);
            }

            try
            {
                await Task.Delay(backoff, _timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        }

        _spool.SaveCheckpoint();
    }

    /// <summary>One producer session: reconcile, then ship until cancelled or a record fails.</summary>
    private async Task ShipAsync(CancellationToken stoppingToken)
    {
        var topic = _settings.Options.DecisionsTopic;
        using var producer = new ProducerBuilder<byte[], byte[]>(_settings.For("metrics-adapter-audit",
                ("enable.idempotence", "true"),
                ("acks", "all"),
                ("message.timeout.ms", "0"),
                ("max.in.flight.requests.per.connection", "5"),
                ("linger.ms", "5"),
                ("partitioner", "murmur2_random")))
            .SetErrorHandler((_, error) => _clientLog.OnError(error))
            .SetLogHandler((_, message) => _clientLog.OnLog(message))
            .Build();
        _reports.Clear();
        var inFlight = new Queue<long>();
        var delivered = new HashSet<long>();
        var next = _spool.Acknowledged;
        var alreadyThere = (await ReconcileAsync(stoppingToken)).ToHashSet();

        var lastCheckpoint = _timeProvider.GetTimestamp();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var failure = Drain(inFlight, delivered);
                if (failure is { } error)
                {
                    throw new ShipmentFailedException(error.Code.ToString(), $"a record was refused: {error.Reason}");
                }

                if (_timeProvider.GetElapsedTime(lastCheckpoint) >= TimeSpan.FromMilliseconds(200))
                {
                    _spool.SaveCheckpoint();
                    lastCheckpoint = _timeProvider.GetTimestamp();
                }

                var room = _options.MaxInFlight - inFlight.Count;
                var entries = room > 0 ? _spool.Read(next, Math.Min(room, ReadBatch)) : [];
                if (entries.Count == 0)
                {
                    await _wake.WaitAsync(TimeSpan.FromMilliseconds(200), stoppingToken);
                    continue;
                }

                _spool.HandOff(entries[^1].Sequence);
                foreach (var entry in entries)
                {
                    var sequence = entry.Sequence;
                    inFlight.Enqueue(sequence);
                    if (alreadyThere.Remove(sequence))
                    {
                        delivered.Add(sequence);
                        continue;
                    }

                    producer.Produce(topic, new Message<byte[], byte[]>
                    {
                        Key = entry.Key,
                        Value = entry.Value,
                        // The decision's own time, so that retention and reading "since" follow decisions, not shipping delays.
                        Timestamp = new Timestamp(entry.Timestamp),
                        Headers = new Headers { { "content-type", ContentType } },
                    }, report =>
                    {
                        _reports.Enqueue((sequence, report.Error.IsError ? report.Error : null, report.Error.IsError ? report.Message.Value : null));
                        Wake();
                    });
                }

                next = entries[^1].Sequence;
            }
        }
        finally
        {
            // Whatever Kafka confirms within a moment is acknowledged; the rest stays in the spool for next time.
            producer.Flush(TimeSpan.FromSeconds(3));
            Drain(inFlight, delivered);
            _spool.SaveCheckpoint();
        }
    }

    private static readonly byte[] ContentType = System.Text.Encoding.ASCII.GetBytes(DecisionEvents.StructuredContentType);

    /// <summary>Takes in delivery reports and acknowledges the confirmed prefix; returns the first failure, if any.</summary>
    private Error? Drain(Queue<long> inFlight, HashSet<long> delivered)
    {
        Error? failure = null;
        long confirmed = 0;
        while (_reports.TryDequeue(out var report))
        {
            if (report.Error is { } error)
            {
                if (IsPermanent(error.Code))
                {
                    // The broker will never take this record: set it aside where a person finds it, and go on.
                    Park(report.Sequence, report.Value, error);
                    delivered.Add(report.Sequence);
                    continue;
                }

                failure ??= error;
                continue;
            }

            delivered.Add(report.Sequence);
            confirmed++;
        }

        if (confirmed > 0)
        {
            _clientLog.Reached();
            _telemetry.Shipped(confirmed);
        }

        long acknowledged = -1;
        while (inFlight.Count > 0 && delivered.Remove(inFlight.Peek()))
        {
            acknowledged = inFlight.Dequeue();
        }

        if (acknowledged >= 0)
        {
            _spool.Acknowledge(acknowledged);
        }

        return failure;
    }

    private static bool IsPermanent(ErrorCode code) =>
        code is ErrorCode.MsgSizeTooLarge or ErrorCode.InvalidRecord or ErrorCode.RecordListTooLarge or ErrorCode.InvalidMsg;

    private void Park(long sequence, byte[]? value, Error error)
    {
        var directory = Path.Combine(_spool.Directory, "refused");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, sequence.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + ".json");
        File.WriteAllBytes(path, value ?? []);
        _telemetry.Refused();
        LogParked(_logger, sequence, error.Code, error.Reason, path);
    }

    /// <summary>
    /// Records handed to an earlier producer but never confirmed may be on the topic already. Reads the tail of
    /// every partition (as many records as could be in doubt) and returns the sequences found there by id, which
    /// are then acknowledged without being sent again. Waits for the broker if it is away.
    /// </summary>
    private async Task<IReadOnlyList<long>> ReconcileAsync(CancellationToken stoppingToken)
    {
        var acknowledged = _spool.Acknowledged;
        var inDoubt = (int)Math.Min(_spool.HandedOff - acknowledged, _options.MaxInFlight);
        if (inDoubt <= 0)
        {
            return [];
        }

        var candidates = _spool.Read(acknowledged, inDoubt);
        var topic = _settings.Options.DecisionsTopic;
        using var admin = new AdminClientBuilder(_settings.For("metrics-adapter-audit-check")).SetErrorHandler((_, error) => _clientLog.OnError(error)).Build();
        var metadata = await Task.Run(() => admin.GetMetadata(topic, TimeSpan.FromSeconds(10)), stoppingToken);
        var partitions = metadata.Topics.SingleOrDefault(t => t.Topic == topic)?.Partitions.Select(p => p.PartitionId).ToArray() ?? [];
        var found = new HashSet<string>(StringComparer.Ordinal);
        using (var consumer = new ConsumerBuilder<byte[], byte[]>(_settings.For("metrics-adapter-audit-check",
                   ("group.id", "metrics-adapter-audit-check"),
                   ("enable.auto.commit", "false"),
                   ("enable.partition.eof", "true")))
                   .SetErrorHandler((_, error) => _clientLog.OnError(error))
                   .Build())
        {
            // From a minute before the oldest record in doubt (records carry their decision's time), so that records
            // of other writers in between do not hide ours; where the broker cannot look up times, the last ones.
            var since = new Timestamp(candidates.Min(c => c.Timestamp).UtcDateTime - TimeSpan.FromMinutes(1));
            var starts = consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(new TopicPartition(topic, p), since)), TimeSpan.FromSeconds(10));
            var assignments = new List<TopicPartitionOffset>();
            var remaining = 0;
            foreach (var start in starts)
            {
                var watermarks = consumer.QueryWatermarkOffsets(start.TopicPartition, TimeSpan.FromSeconds(10));
                var from = start.Offset.Value >= 0 ? start.Offset.Value : Math.Max(watermarks.Low.Value, watermarks.High.Value - inDoubt);
                if (watermarks.High.Value <= Math.Max(from, watermarks.Low.Value))
                {
                    continue;
                }

                assignments.Add(new TopicPartitionOffset(start.TopicPartition, Math.Max(from, watermarks.Low.Value)));
                remaining++;
            }

            consumer.Assign(assignments);
            while (remaining > 0 && !stoppingToken.IsCancellationRequested)
            {
                var result = consumer.Consume(TimeSpan.FromSeconds(10)) ?? throw new ShipmentFailedException("Local_TimedOut", "timed out reading the audit topic's tail");
                if (result.IsPartitionEOF)
                {
                    remaining--;
                    continue;
                }

                if (DecisionEvents.TryReadId(result.Message.Value) is { } id)
                {
                    found.Add(id);
                }
            }
        }

        var present = candidates.Where(entry => DecisionEvents.TryReadId(entry.Value) is { } id && found.Contains(id)).Select(entry => entry.Sequence).ToList();
        _telemetry.AlreadyShipped(present.Count);
        LogReconciled(_logger, candidates.Count, present.Count);
        return present;
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 5401, Level = LogLevel.Warning, Message = "Shipping the audit trail stopped ({Code}: {Reason}); retrying in {Backoff} — decisions stay in the spool meanwhile")]
    private static partial void LogSessionFailed(ILogger logger, string code, string reason, TimeSpan backoff);

    [LoggerMessage(EventId = 5403, Level = LogLevel.Critical, Message = "The broker refuses decision record {Sequence} for good ({Code}: {Reason}); it is set aside in {Path} and shipping goes on")]
    private static partial void LogParked(ILogger logger, long sequence, ErrorCode code, string reason, string path);

    [LoggerMessage(EventId = 5402, Level = LogLevel.Information, Message = "Checked {InDoubt} spooled decisions that may have reached Kafka unconfirmed: {Present} were already on the topic and are not sent again")]
    private static partial void LogReconciled(ILogger logger, int inDoubt, int present);

    private sealed class ShipmentFailedException(string code, string message) : Exception(message)
    {
        public string Code { get; } = code;
    }
}
