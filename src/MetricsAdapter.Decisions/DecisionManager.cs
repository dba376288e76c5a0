using System.Collections.Concurrent;
using System.Text;
using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.Decisions;

/// <summary>What became of one observation record.</summary>
/// <param name="Result">accepted, rejected, late or duplicate.</param>
/// <param name="Rejection">Why it was rejected (<see cref="ObservationRejection.None"/> otherwise).</param>
public readonly record struct IngestReport(string Result, ObservationRejection Rejection)
{
    public static IngestReport Accepted { get; } = new("accepted", ObservationRejection.None);

    public static IngestReport Late { get; } = new("late", ObservationRejection.None);

    public static IngestReport Duplicate { get; } = new("duplicate", ObservationRejection.None);

    public static IngestReport Rejected(ObservationRejection rejection) => new("rejected", rejection);
}

/// <summary>
/// The decision manager: takes observations from any source, keeps one <see cref="ServiceState"/> per
/// (namespace, service), and at every tick decides <c>predicted_load</c> and <c>latency_anomaly_score</c> for each.
/// Bounded: at most <see cref="DecisionOptions.MaxServices"/> services and <see cref="DecisionOptions.MaxPodsPerService"/>
/// pods each; services with no observation for <see cref="DecisionOptions.ForgetAfter"/> are forgotten.
/// Thread-safe: observations and ticks may come from different threads.
/// </summary>
public sealed partial class DecisionManager : IObservationSink
{
    private readonly DecisionOptions _options;
    private readonly IServiceModelFactory _models;
    private readonly TimeProvider _timeProvider;
    private readonly DecisionTelemetry _telemetry;
    private readonly ILogger<DecisionManager> _logger;
    private readonly ObservationReader _reader = new();
    private readonly ConcurrentDictionary<ServiceKey, ServiceState> _services = new();
    private readonly HashSet<string>? _namespaces;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _extraLabels;
    private readonly ConcurrentDictionary<string, long> _rejectionsLogged = new(StringComparer.Ordinal);
    private long _accepted;
    private long _lastObservationTicks;
    private int _serviceCount;

    public DecisionManager(
        IOptions<DecisionOptions> options,
        IServiceModelFactory models,
        TimeProvider timeProvider,
        DecisionTelemetry telemetry,
        ILogger<DecisionManager> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(telemetry);
        _options = options.Value;
        _models = models;
        _timeProvider = timeProvider;
        _telemetry = telemetry;
        _logger = logger;
        _namespaces = _options.Namespaces.Count == 0 ? null : _options.Namespaces.ToHashSet(StringComparer.Ordinal);
        _extraLabels = [.. _options.Labels];
        StartedAt = timeProvider.GetUtcNow();
        telemetry.Observe(Freshness);
    }

    public DecisionOptions Options => _options;

    public DateTimeOffset StartedAt { get; }

    /// <summary>Observations accepted since start.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>When the newest observation was accepted, if any.</summary>
    public DateTimeOffset? LastObservation
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastObservationTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    public int ServiceCount => Volatile.Read(ref _serviceCount);

    /// <summary>The newest tick decided, so that a restart never decides (and names) the same tick twice.</summary>
    public DateTimeOffset? LastTick { get; private set; }

    public void Accept(in ObservationRecord record) => Ingest(record.Key.Span, record.Value.Span, record.Published, record.Origin);

    /// <summary>Parses, validates and takes in one record. Never throws for bad input: it is counted and skipped.</summary>
    public IngestReport Ingest(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, DateTimeOffset? published, RecordOrigin origin)
    {
        var rejection = _reader.TryRead(value, out var observation, out var detail);
        if (rejection == ObservationRejection.None && !KeyMatches(key, observation!.Service))
        {
            rejection = ObservationRejection.KeyMismatch;
            detail = $"key \"{Encoding.UTF8.GetString(key)}\" is not \"{observation.Service}\"";
        }

        if (rejection == ObservationRejection.None && _namespaces is not null && !_namespaces.Contains(observation!.Service.Namespace))
        {
            rejection = ObservationRejection.UnknownNamespace;
            detail = $"namespace \"{observation.Service.Namespace}\" is not among Decisions:Namespaces";
        }

        if (rejection != ObservationRejection.None)
        {
            return Reject(rejection, detail, origin);
        }

        return Ingest(observation!, published, origin);
    }

    /// <summary>Takes in one observation that has already been parsed (the simulator's path).</summary>
    public IngestReport Ingest(Observation observation, DateTimeOffset? published, RecordOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(observation);
        var arrival = _timeProvider.GetUtcNow();
        IngestOutcome outcome;
        long lost;
        while (true)
        {
            if (!_services.TryGetValue(observation.Service, out var service))
            {
                if (Interlocked.Increment(ref _serviceCount) > _options.MaxServices)
                {
                    Interlocked.Decrement(ref _serviceCount);
                    return Reject(ObservationRejection.TooManyServices, $"already {_options.MaxServices} services (Decisions:MaxServices)", origin);
                }

                var created = new ServiceState(observation.Service, LabelsFor(observation.Service), _options, _models);
                service = _services.GetOrAdd(observation.Service, created);
                if (!ReferenceEquals(service, created))
                {
                    Interlocked.Decrement(ref _serviceCount);
                }
                else
                {
                    LogNewService(_logger, observation.Service);
                }
            }

            lock (service.Gate)
            {
                if (service.Forgotten)
                {
                    // Forgotten by a tick between the lookup and the lock: look again (a new state is made).
                    continue;
                }

                outcome = service.Ingest(observation, arrival, published);
                lost = service.TakeLost();
            }

            break;
        }

        _telemetry.Lost(lost);
        switch (outcome)
        {
            case IngestOutcome.Accepted:
                _telemetry.Accepted();
                Interlocked.Increment(ref _accepted);
                Interlocked.Exchange(ref _lastObservationTicks, arrival.UtcTicks);
                return IngestReport.Accepted;
            case IngestOutcome.Late:
                _telemetry.Late();
                return IngestReport.Late;
            case IngestOutcome.Duplicate:
                _telemetry.Duplicate();
                return IngestReport.Duplicate;
            case IngestOutcome.Future:
                return Reject(ObservationRejection.InvalidInterval, $"the interval ends at {observation.End:O}, more than {_options.MaxClockSkew} ahead of this adapter's clock", origin);
            default:
                return Reject(ObservationRejection.TooManyPods, $"service {observation.Service} already has {_options.MaxPodsPerService} pods (Decisions:MaxPodsPerService)", origin);
        }
    }

    /// <summary>
    /// Decides every service for <paramref name="tick"/> (an instant on the tick grid): two decisions per served
    /// service, one withdrawal per metric when a service passes the hard limit. Forgets long-silent services.
    /// </summary>
    public IReadOnlyList<Decision> Tick(DateTimeOffset tick)
    {
        var started = _timeProvider.GetTimestamp();
        var decisions = new List<Decision>(_services.Count * 2);
        var keys = _services.Keys.ToArray();
        Array.Sort(keys, static (a, b) => string.CompareOrdinal(a.Namespace, b.Namespace) is var byNamespace and not 0
            ? byNamespace
            : string.CompareOrdinal(a.Service, b.Service));
        foreach (var key in keys)
        {
            if (!_services.TryGetValue(key, out var service))
            {
                continue;
            }

            IReadOnlyList<(string Kind, string Failure)> quarantines = [];
            var forget = false;
            lock (service.Gate)
            {
                if (service.NewestArrival is not { } newest || tick - newest > _options.ForgetAfter)
                {
                    forget = true;
                    service.Forgotten = true;
                    _services.TryRemove(key, out _);
                }
                else
                {
                    var before = decisions.Count;
                    try
                    {
                        service.Tick(tick, decisions);
                        quarantines = service.TakeQuarantines();
                    }
#pragma warning disable CA1031 // One service's fault (a bug) must not stop the others' decisions: it is logged and counted.
                    catch (Exception exception)
#pragma warning restore CA1031
                    {
                        decisions.RemoveRange(before, decisions.Count - before);
                        _telemetry.ServiceFailed();
                        LogServiceFailed(_logger, key, exception);
                    }
                }
            }

            foreach (var (kind, failure) in quarantines)
            {
                _telemetry.ModelQuarantined(kind);
                LogQuarantined(_logger, kind, key, failure, _options.Quarantine);
            }

            if (forget)
            {
                Interlocked.Decrement(ref _serviceCount);
                LogForgotten(_logger, key, _options.ForgetAfter);
            }
        }

        LastTick = tick;
        _telemetry.TickTook(_timeProvider.GetElapsedTime(started));
        return decisions;
    }

    /// <summary>Tells the services which of their decisions were recorded and served, and measures the delay.</summary>
    public void Served(IReadOnlyList<Decision> decisions, DateTimeOffset servedAt)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        ServiceState? previous = null;
        foreach (var decision in decisions)
        {
            _telemetry.Decided(decision);
            if (!_services.TryGetValue(decision.Key.Service, out var service))
            {
                continue;
            }

            DateTimeOffset? oldest = null;
            lock (service.Gate)
            {
                service.Served(decision);
                if (!ReferenceEquals(service, previous))
                {
                    oldest = service.TakeOldestPublished();
                }
            }

            if (oldest is { } published)
            {
                _telemetry.Delay(servedAt - published);
            }

            previous = service;
        }
    }

    public void Withheld(IEnumerable<Decision> decisions)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        foreach (var decision in decisions)
        {
            _telemetry.Withheld(decision);
        }
    }

    /// <summary>The next instant on the tick grid strictly after both <paramref name="now"/> and the last decided tick.</summary>
    public DateTimeOffset NextTick(DateTimeOffset now)
    {
        var step = _options.Tick.Ticks;
        var next = new DateTimeOffset(((now.UtcTicks / step) + 1) * step, TimeSpan.Zero);
        if (LastTick is { } last && next <= last)
        {
            next = last + _options.Tick;
        }

        return next;
    }

    /// <summary>The service's labels: <c>service=&lt;name&gt;</c> and the configured ones.</summary>
    private LabelSet LabelsFor(ServiceKey service)
    {
        var labels = new List<KeyValuePair<string, string>>(_extraLabels.Count + 1) { new(ServiceLabels.ServiceKey, service.Service) };
        labels.AddRange(_extraLabels);
        return LabelSet.Create(labels);
    }

    private static bool KeyMatches(ReadOnlySpan<byte> key, ServiceKey service)
    {
        if (key.IsEmpty)
        {
            // Unkeyed records (a hand-run producer) are accepted: the value names its service.
            return true;
        }

        Span<byte> expected = stackalloc byte[512];
        var n = Encoding.UTF8.GetBytes(service.Namespace, expected);
        expected[n++] = (byte)'/';
        if (n + Encoding.UTF8.GetMaxByteCount(service.Service.Length) > expected.Length)
        {
            return key.SequenceEqual(Encoding.UTF8.GetBytes(service.ToString()));
        }

        n += Encoding.UTF8.GetBytes(service.Service, expected[n..]);
        return key.SequenceEqual(expected[..n]);
    }

    private IngestReport Reject(ObservationRejection rejection, string? detail, RecordOrigin origin)
    {
        _telemetry.Rejected(rejection);

        // One line per reason per minute: a producer gone wrong must not flood the log.
        var label = rejection.Label();
        var now = _timeProvider.GetUtcNow().UtcTicks;
        var last = _rejectionsLogged.GetOrAdd(label, 0);
        if (now - last >= TimeSpan.TicksPerMinute && _rejectionsLogged.TryUpdate(label, now, last))
        {
            LogRejected(_logger, label, origin, detail ?? string.Empty);
        }

        return IngestReport.Rejected(rejection);
    }

    internal IEnumerable<ServiceFreshness> Freshness()
    {
        var now = _timeProvider.GetUtcNow();
        foreach (var (key, service) in _services)
        {
            if (service.NewestArrival is { } newest)
            {
                yield return new ServiceFreshness(key, now - newest);
            }
        }
    }

    /// <summary>
    /// Writes every service's state (aggregation, fallbacks, both models) to <paramref name="stream"/>. Each
    /// service is written under its own lock, so observations keep flowing while a snapshot is taken.
    /// </summary>
    public int WriteSnapshot(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new Prediction.State.StateWriter(stream);
        writer.Write(SnapshotMagic);
        writer.Write(SnapshotFingerprint());
        writer.Write(LastTick?.UtcTicks ?? 0);
        var services = _services.ToArray();
        writer.Write(services.Length);
        foreach (var (key, service) in services)
        {
            writer.Write(key.Namespace);
            writer.Write(key.Service);
            using var buffer = new MemoryStream();
            using (var serviceWriter = new Prediction.State.StateWriter(buffer))
            {
                lock (service.Gate)
                {
                    service.Write(serviceWriter);
                }
            }

            writer.Write((int)buffer.Length);
            writer.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            writer.Write(System.IO.Hashing.Crc32.HashToUInt32(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        }

        return services.Length;
    }

    /// <summary>
    /// Restores services from a snapshot. A snapshot taken with other aggregation settings is ignored whole; a
    /// model saved with other parameters starts cold (counted in the result). A damaged service is skipped.
    /// </summary>
    public SnapshotRestore ReadSnapshot(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new Prediction.State.StateReader(stream);
        if (reader.ReadString() != SnapshotMagic)
        {
            throw new Prediction.State.ModelStateException("not a decision-manager snapshot");
        }

        var fingerprint = reader.ReadString();
        if (fingerprint != SnapshotFingerprint())
        {
            return new SnapshotRestore(0, 0, 0, $"taken with other settings ({fingerprint}); starting cold");
        }

        var lastTick = reader.ReadInt64();
        LastTick = lastTick == 0 ? null : new DateTimeOffset(lastTick, TimeSpan.Zero);
        var count = reader.ReadInt32();
        int restored = 0, cold = 0, damaged = 0;
        for (var i = 0; i < count; i++)
        {
            var ns = reader.ReadString();
            var name = reader.ReadString();
            var length = reader.ReadInt32();
            if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
            {
                throw new Prediction.State.ModelStateException("snapshot is truncated or damaged");
            }

            var bytes = reader.ReadBytes(length);
            var crc = reader.ReadUInt32();
            if (!ServiceKey.TryCreate(ns, name, out var key, out _) || ServiceCount >= _options.MaxServices || System.IO.Hashing.Crc32.HashToUInt32(bytes) != crc)
            {
                damaged++;
                continue;
            }

            var service = new ServiceState(key, LabelsFor(key), _options, _models);
            try
            {
                using var serviceReader = new Prediction.State.StateReader(new MemoryStream(bytes, writable: false));
                cold += service.Read(serviceReader);
            }
#pragma warning disable CA1031 // A damaged service (any fault while reading it) starts cold; it must not stop the others or the start.
            catch (Exception)
#pragma warning restore CA1031
            {
                damaged++;
                continue;
            }

            if (_services.TryAdd(key, service))
            {
                Interlocked.Increment(ref _serviceCount);
                restored++;
            }
        }

        return new SnapshotRestore(restored, cold, damaged, null);
    }

    private const string SnapshotMagic = "metrics-adapter.decisions/v2";

    /// <summary>Settings that change what a service's saved state means; a snapshot restores only under the same ones.</summary>
    private string SnapshotFingerprint() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"tick={_options.Tick.TotalSeconds},step={_options.ModelStep.TotalSeconds},evidence={_options.EvidenceTicks}");

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "Skipped observation ({Reason}) from {Origin}: {Detail}; further ones for this reason are counted in metrics_adapter_observations_rejected_total and logged at most once a minute")]
    private static partial void LogRejected(ILogger logger, string reason, RecordOrigin origin, string detail);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "New service {Service}")]
    private static partial void LogNewService(ILogger logger, ServiceKey service);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Quarantined the {Kind} of {Service} for {Quarantine}: {Failure}; fallbacks serve meanwhile, then a cold model replaces it")]
    private static partial void LogQuarantined(ILogger logger, string kind, ServiceKey service, string failure, TimeSpan quarantine);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Deciding {Service} failed; its values are not updated this tick")]
    private static partial void LogServiceFailed(ILogger logger, ServiceKey service, Exception exception);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Forgot service {Service}: no observation for {ForgetAfter}")]
    private static partial void LogForgotten(ILogger logger, ServiceKey service, TimeSpan forgetAfter);
}

/// <summary>What a snapshot restored.</summary>
/// <param name="Services">Services restored.</param>
/// <param name="ColdModels">Models that could not be restored (other parameters) and start cold.</param>
/// <param name="Skipped">Services skipped as damaged or beyond the bound.</param>
/// <param name="Ignored">Why the whole snapshot was ignored, if it was.</param>
public sealed record SnapshotRestore(int Services, int ColdModels, int Skipped, string? Ignored);
