using System.Text;
using Confluent.Kafka;
using MetricsAdapter.Core.Observations;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.Bus;

/// <summary>
/// The sidecar's side of the bus: observation v1 records keyed <c>namespace/service</c>, published in order through an
/// idempotent producer. Observations are telemetry, so this never blocks and never grows without bound: records wait
/// in a buffer of <c>capacity</c>, at most <c>maxInFlight</c> of them are handed to librdkafka at once, and when the
/// buffer is full the oldest is dropped and counted. A record librdkafka could not deliver in time (Kafka unreachable)
/// goes back to the front of the buffer, so an outage costs only what the buffer cannot hold.
/// </summary>
public sealed partial class BufferedObservationPublisher : IObservationPublisher, IDisposable
{
    public const string Role = "observation-producer";

    private readonly Dictionary<string, string> _settings;
    private readonly string _topic;
    private readonly int _capacity;
    private readonly int _maxInFlight;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly KafkaClientLog _log;
    private readonly LinkedList<PendingRecord> _buffer = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _pump;
    private IProducer<byte[], byte[]>? _producer;
    private volatile bool _rebuild;
    private readonly Dictionary<long, PendingRecord> _inFlight = [];
    private long _nextPumpErrorLog;
    private long _nextOrder;
    private long _sent;
    private long _dropped;
    private long _failedDeliveries;
    private long _lastSentTicks;
    private int _disposed;

    /// <param name="settings">librdkafka settings, bootstrap and security included (see <see cref="KafkaClientSettings.Resolve"/>).</param>
    /// <param name="topic">The observation topic.</param>
    /// <param name="capacity">Records kept while Kafka is slow or away; the oldest go first. At least 1.</param>
    /// <param name="maxInFlight">Records handed to librdkafka and not yet acknowledged, at most. At least 1.</param>
    /// <param name="deliveryTimeout">How long librdkafka tries one record before giving it back to the buffer.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="telemetry">Counts client errors.</param>
    /// <param name="connectivity">Tracks whether a broker is reached.</param>
    /// <param name="logger">Drops and client errors, rate-limited.</param>
    public BufferedObservationPublisher(
        IReadOnlyDictionary<string, string> settings,
        string topic,
        int capacity,
        int maxInFlight,
        TimeSpan deliveryTimeout,
        TimeProvider timeProvider,
        BusTelemetry telemetry,
        KafkaConnectivity connectivity,
        ILogger<BufferedObservationPublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _settings = new Dictionary<string, string>(settings, StringComparer.Ordinal)
        {
            ["enable.idempotence"] = "true",
            ["linger.ms"] = "5",
            ["message.timeout.ms"] = ((long)deliveryTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["queue.buffering.max.messages"] = Math.Max(maxInFlight * 2, 16).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["partitioner"] = "murmur2_random",
        };
        _settings.TryAdd("client.id", "metrics-adapter-sidecar");
        _topic = topic;
        _capacity = capacity;
        _maxInFlight = maxInFlight;
        _timeProvider = timeProvider;
        _logger = logger;
        _log = new KafkaClientLog(Role, logger, timeProvider, connectivity, telemetry);
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Records acknowledged by Kafka.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Records dropped: the oldest when the buffer was full, or ones Kafka refused for good.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Deliveries that failed and were put back in the buffer.</summary>
    public long FailedDeliveries => Interlocked.Read(ref _failedDeliveries);

    /// <summary>Records waiting in the buffer or in flight.</summary>
    public int Buffered
    {
        get
        {
            lock (_gate)
            {
                return _buffer.Count + _inFlight.Count;
            }
        }
    }

    /// <summary>When Kafka last acknowledged a record, or null.</summary>
    public DateTimeOffset? LastSent => Interlocked.Read(ref _lastSentTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public bool TryPublish(Observation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        var key = Encoding.UTF8.GetBytes(observation.Service.ToString());
        var value = ObservationJson.Serialize(observation);
        var dropped = false;
        var accepted = true;
        lock (_gate)
        {
            if (_buffer.Count + _inFlight.Count >= _capacity)
            {
                dropped = true;
                if (_buffer.Count > 0)
                {
                    _buffer.RemoveFirst();
                }
                else
                {
                    // Everything held is in flight: the newest is the one that cannot be kept.
                    accepted = false;
                }
            }

            if (accepted)
            {
                _buffer.AddLast(new PendingRecord(_nextOrder++, key, value));
            }
        }

        if (dropped)
        {
            NoteDropped("buffer full");
        }

        _wake.Release();
        return !dropped;
    }

    /// <summary>Hands every buffered record to librdkafka and waits for them, until <paramref name="timeout"/>; returns how many are still undelivered.</summary>
    public async Task<int> FlushAsync(TimeSpan timeout)
    {
        var deadline = _timeProvider.GetUtcNow() + timeout;
        while (Buffered > 0 && _timeProvider.GetUtcNow() < deadline)
        {
            _wake.Release();
            await Task.Delay(TimeSpan.FromMilliseconds(20), _timeProvider).ConfigureAwait(false);
        }

        return Buffered;
    }

    private async Task PumpAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
                SendWhatFits();
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The pump must outlive any one failure; each is logged (once a minute) and retried.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                var now = _timeProvider.GetUtcNow().UtcTicks;
                if (now >= _nextPumpErrorLog)
                {
                    _nextPumpErrorLog = now + TimeSpan.TicksPerMinute;
                    LogPumpFailed(_logger, exception);
                }

                _rebuild = true;
            }
        }
    }

    private void SendWhatFits()
    {
        var producer = Producer();
        while (true)
        {
            PendingRecord record;
            lock (_gate)
            {
                if (_buffer.Count == 0 || _inFlight.Count >= _maxInFlight)
                {
                    return;
                }

                record = _buffer.First!.Value;
                _buffer.RemoveFirst();
                _inFlight.Add(record.Order, record);
            }

            try
            {
                producer.Produce(_topic, new Message<byte[], byte[]> { Key = record.Key, Value = record.Value }, report => Delivered(record, report));
            }
            catch (ProduceException<byte[], byte[]> exception) when (exception.Error.Code == ErrorCode.Local_QueueFull)
            {
                Requeue(record);
                return;
            }
            catch (ProduceException<byte[], byte[]> exception) when (IsPermanent(exception.Error.Code))
            {
                Settle(record);
                NoteDropped(exception.Error.Code.ToString());
            }
            catch (KafkaException)
            {
                Requeue(record);
                throw;
            }
        }
    }

    /// <summary>Refused for good: retrying would block the records behind it for ever.</summary>
    private static bool IsPermanent(ErrorCode code) =>
        code is ErrorCode.MsgSizeTooLarge or ErrorCode.TopicAuthorizationFailed or ErrorCode.InvalidMsg or ErrorCode.Local_InvalidArg;

    private void Delivered(PendingRecord record, DeliveryReport<byte[], byte[]> report)
    {
        if (!report.Error.IsError)
        {
            if (Settle(record))
            {
                Interlocked.Increment(ref _sent);
                Interlocked.Exchange(ref _lastSentTicks, _timeProvider.GetUtcNow().UtcTicks);
                _log.Reached();
            }

            _wake.Release();
            return;
        }

        Interlocked.Increment(ref _failedDeliveries);
        if (report.Error.IsFatal)
        {
            _rebuild = true;
        }

        if (IsPermanent(report.Error.Code))
        {
            if (Settle(record))
            {
                NoteDropped(report.Error.Code.ToString());
            }

            return;
        }

        Requeue(record);
    }

    /// <summary>Takes a record out of flight; false when it was no longer there (its producer was rebuilt and it requeued).</summary>
    private bool Settle(PendingRecord record)
    {
        lock (_gate)
        {
            return _inFlight.Remove(record.Order);
        }
    }

    /// <summary>Back into the buffer in publishing order; the record is dropped (and counted) when the buffer is full.</summary>
    private void Requeue(PendingRecord record)
    {
        bool dropped;
        lock (_gate)
        {
            if (!_inFlight.Remove(record.Order))
            {
                return;
            }

            dropped = !Insert(record);
        }

        if (dropped)
        {
            NoteDropped("buffer full");
        }
    }

    /// <summary>Inserts in publishing order (failed deliveries come back one by one, in any order); false when full. Under the gate.</summary>
    private bool Insert(PendingRecord record)
    {
        if (_buffer.Count + _inFlight.Count >= _capacity)
        {
            return false;
        }

        var node = _buffer.First;
        while (node is not null && node.Value.Order < record.Order)
        {
            node = node.Next;
        }

        if (node is null)
        {
            _buffer.AddLast(record);
        }
        else
        {
            _buffer.AddBefore(node, record);
        }

        return true;
    }

    private void NoteDropped(string reason)
    {
        var dropped = Interlocked.Increment(ref _dropped);
        if (dropped == 1 || dropped % 100 == 0)
        {
            LogDropped(_logger, reason, dropped, _capacity);
        }
    }

    private IProducer<byte[], byte[]> Producer()
    {
        if (_producer is { } producer && !_rebuild)
        {
            return producer;
        }

        _rebuild = false;
        _producer?.Dispose();

        // A disposed producer reports nothing more: what it held goes back to the buffer, and a late report of it is ignored.
        var lost = 0;
        lock (_gate)
        {
            var held = _inFlight.Values.ToList();
            _inFlight.Clear();
            lost = held.Count(record => !Insert(record));
        }

        for (var i = 0; i < lost; i++)
        {
            NoteDropped("buffer full");
        }

        _producer = new ProducerBuilder<byte[], byte[]>(_settings)
            .SetErrorHandler((_, error) =>
            {
                _log.OnError(error);
                _rebuild |= error.IsFatal;
            })
            .SetLogHandler((_, message) => _log.OnLog(message))
            .Build();
        return _producer;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        _wake.Release();
        try
        {
            _pump.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // The pump logs its own failures.
        }

        _producer?.Flush(TimeSpan.FromMilliseconds(500));
        _producer?.Dispose();
        _stopping.Dispose();
        _wake.Dispose();
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Warning, Message = "Observations dropped ({Reason}): {Dropped} so far; the buffer holds {Capacity}")]
    private static partial void LogDropped(ILogger logger, string reason, long dropped, int capacity);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Error, Message = "The observation publisher failed; its Kafka client is rebuilt")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception);

    /// <summary>One serialized record and its place in publishing order.</summary>
    private readonly record struct PendingRecord(long Order, byte[] Key, byte[] Value);
}
