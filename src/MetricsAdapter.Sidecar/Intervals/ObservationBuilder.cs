using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Sidecar.Exposition;
using MetricsAdapter.Sidecar.Scraping;

namespace MetricsAdapter.Sidecar.Intervals;

/// <summary>
/// One pod's observations, one per scrape: counts since the last successful scrape, the pod's latency anomaly score
/// (the engine's default detector on the interval's p95 latency), a sequence that rises by one per observation, and
/// the flags of the contract. A failed scrape is still an observation (flagged, counting nothing), so the decision
/// manager knows the pod is alive; the first successful scrape only sets the baseline the next one counts from.
/// </summary>
public sealed class ObservationBuilder(SidecarOptions options, ServiceKey service, IAnomalyDetector detector)
{
    /// <summary>This run of the sidecar, in every observation: a restart is recognised even when its first observation was lost.</summary>
    public string Instance { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));

    /// <summary>Flag of an observation whose scrape succeeded but found none of the configured metrics.</summary>
    public const string NoKnownMetrics = "no-known-metrics";

    /// <summary>The longest interval one observation covers; past it the next scrape takes a fresh baseline.</summary>
    public static readonly TimeSpan MaxBaselineAge = TimeSpan.FromMinutes(30);

    private readonly IntervalComputer _computer = new(options.MaxRequestsPerSecond);
    private ScrapeSnapshot? _baseline;
    private int _baselineConvention = -1;
    private DateTimeOffset? _baselineAt;
    private DateTimeOffset? _lastEnd;
    private long _sequence;
    private double _score;

    /// <summary>Counter resets seen so far.</summary>
    public long CounterResets { get; private set; }

    /// <summary>The convention in use, or null before one was found.</summary>
    public MetricConvention? Convention { get; private set; }

    /// <summary>The pod's latest latency anomaly score.</summary>
    public double Score => _score;

    /// <summary>Forgets the baseline: the next successful scrape starts a new interval (after a failure inside the sidecar).</summary>
    public void Reset() => (_baseline, _baselineAt, _baselineConvention) = (null, null, -1);

    /// <summary>The observation for a scrape that ended at <paramref name="end"/>, or null while only a baseline was taken.</summary>
    public Observation? Next(ScrapeResult scrape, DateTimeOffset end, bool stopping = false)
    {
        ArgumentNullException.ThrowIfNull(scrape);
        end = end.ToUniversalTime();
        if (scrape.Snapshot is not { } snapshot)
        {
            return Build(_lastEnd ?? end - options.ScrapeInterval, end, 0, 0, null, [ObservationFlags.ScrapeFailed], stopping);
        }

        var convention = snapshot.ChosenConvention;
        if (convention < 0)
        {
            _baseline = null;
            return Build(_lastEnd ?? end - options.ScrapeInterval, end, 0, 0, null, [ObservationFlags.ScrapeFailed, NoKnownMetrics], stopping);
        }

        // After a long outage the counts since the old baseline would span more than an observation may (and more
        // than the decision manager still uses): start over.
        if (_baseline is null || _baselineAt is null || convention != _baselineConvention || end - _baselineAt.Value > MaxBaselineAge)
        {
            (_baseline, _baselineAt, _baselineConvention) = (snapshot, end, convention);
            Convention = snapshot.Convention(convention);
            return stopping && _sequence > 0 ? Build(_lastEnd ?? end, end, 0, 0, null, [ObservationFlags.ScrapeFailed], stopping) : null;
        }

        var start = _baselineAt.Value;
        var counts = _computer.Compute(_baseline, snapshot, convention, end - start);
        (_baseline, _baselineAt) = (snapshot, end);
        var flags = new List<string>(3);
        if (counts.CounterReset)
        {
            CounterResets++;
            flags.Add(ObservationFlags.CounterReset);
        }

        if (counts.Clipped)
        {
            flags.Add(ObservationFlags.OutliersClipped);
        }

        if (double.IsFinite(counts.LatencyP95) && detector.ScoreAndLearn(counts.LatencyP95) is var score && double.IsFinite(score))
        {
            _score = Math.Clamp(score, 0, 1);
        }

        return Build(start, end, counts.Requests, counts.Errors, counts.Latency, [.. flags], stopping);
    }

    private Observation Build(DateTimeOffset start, DateTimeOffset end, double requests, double errors, LatencyHistogram? latency, string[] flags, bool stopping)
    {
        if (start >= end)
        {
            start = end - TimeSpan.FromMilliseconds(1);
        }

        var all = new List<string>(flags.Length + 2);
        if (_sequence == 0)
        {
            all.Add(ObservationFlags.FirstInterval);
        }

        all.AddRange(flags);
        if (stopping)
        {
            all.Add(ObservationFlags.PodStopping);
        }

        _lastEnd = end;
        return new Observation
        {
            Service = service,
            Pod = options.Pod,
            Node = options.Node,
            Start = start,
            End = end,
            Requests = requests,
            Errors = errors,
            Latency = latency,
            PodAnomalyScore = _score,
            Sequence = _sequence++,
            Flags = all,
            Sidecar = Core.BuildVersion.Semantic,
            Instance = Instance,
        };
    }
}
