using System.Globalization;
using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Core.Quantities;

namespace MetricsAdapter.Core.Decisions;

/// <summary>
/// One value decided for one served series at one tick, with everything a person needs to see why: its inputs,
/// the model that produced it, and the fallback if one applied. Recorded in the audit trail before it is served.
/// </summary>
public sealed record Decision
{
    /// <summary>The series' namespace, service and metric.</summary>
    public required MetricKey Key { get; init; }

    /// <summary>The tick the value was decided for: its time, and with <see cref="Key"/> its identity.</summary>
    public required DateTimeOffset Tick { get; init; }

    /// <summary>The value to serve, or null when the series stops being served (the HPA then holds).</summary>
    public Quantity? Value { get; init; }

    /// <summary>The served series' labels.</summary>
    public required LabelSet Labels { get; init; }

    /// <summary>How far ahead a forecast looks; null for values about now.</summary>
    public TimeSpan? Horizon { get; init; }

    public required ModelIdentity Model { get; init; }

    public required DecisionInputs Inputs { get; init; }

    /// <summary>Null when the model's own output was served.</summary>
    public DecisionFallback? Fallback { get; init; }

    /// <summary>One sentence: which inputs drove the value and by how much.</summary>
    public required string Explanation { get; init; }

    /// <summary>Deterministic: <c>namespace/service/metric/tick</c>, so a replay or retry is recognisably the same record.</summary>
    public string Id => DecisionIds.For(Key, Tick);
}

public static class DecisionIds
{
    /// <summary><c>namespace/service/metric/2026-12-02T06:00:15Z</c>.</summary>
    public static string For(MetricKey key, DateTimeOffset tick) =>
        key + "/" + tick.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}

/// <summary>What produced a value: a model's name and version, or a fallback rule naming itself.</summary>
public sealed record ModelIdentity(string Name, string Version);

/// <summary>A fallback in force: its stable reason label and since when it has applied without a break.</summary>
public sealed record DecisionFallback(string Reason, DateTimeOffset Since);

/// <summary>Latency quantiles of a service over one tick, from its pods' merged histograms.</summary>
/// <param name="P50Seconds">Median latency.</param>
/// <param name="P95Seconds">95th percentile.</param>
/// <param name="P99Seconds">99th percentile.</param>
/// <param name="Requests">Requests the histogram counted.</param>
public sealed record LatencySummary(double P50Seconds, double P95Seconds, double P99Seconds, double Requests);

/// <summary>What a value was computed from.</summary>
public sealed record DecisionInputs
{
    /// <summary>Pods whose sidecars reported within the window.</summary>
    public int PodsReporting { get; init; }

    /// <summary>Pods still counted but silent: their last rate is carried, not dropped.</summary>
    public int PodsSilent { get; init; }

    /// <summary>The service's request rate now (requests/second over its pods), if any pod has reported.</summary>
    public double? ObservedRequestsPerSecond { get; init; }

    /// <summary>The highest request rate observed over the evidence window.</summary>
    public double? PeakRequestsPerSecond { get; init; }

    /// <summary>Failed requests over requests in the window.</summary>
    public double? ErrorRatio { get; init; }

    public LatencySummary? Latency { get; init; }

    /// <summary>The span the observed inputs summarise.</summary>
    public double WindowSeconds { get; init; }

    /// <summary>When the newest observation of the service arrived.</summary>
    public DateTimeOffset? NewestObservation { get; init; }

    /// <summary>The model's point forecast at the horizon (forecasts only).</summary>
    public double? ForecastPoint { get; init; }

    /// <summary>The model's upper-quantile forecast at the horizon (forecasts only).</summary>
    public double? ForecastUpper { get; init; }

    /// <summary>The detector's own score (anomaly scores only).</summary>
    public double? DetectorScore { get; init; }

    /// <summary>The highest of the pods' own anomaly scores in the window.</summary>
    public double? PodAnomalyScoreMax { get; init; }

    /// <summary>Model steps learned so far.</summary>
    public long? ModelSteps { get; init; }
}

/// <summary>Fallback reasons: stable label values of the decision record, our metrics and the README.</summary>
public static class FallbackReasons
{
    /// <summary>No observation of the service has arrived for longer than the staleness limit.</summary>
    public const string StaleObservations = "stale-observations";

    /// <summary>The model has not seen enough of the service yet.</summary>
    public const string ModelNotWarm = "model-not-warm";

    /// <summary>The model threw or returned a non-finite value and is quarantined.</summary>
    public const string ModelFailed = "model-failed";

    /// <summary>Some pods stopped reporting; their last rates are carried and the value may not fall.</summary>
    public const string PodsSilent = "pods-silent";

    /// <summary>No pod reports a latency histogram, so latency cannot be scored.</summary>
    public const string NoLatencyData = "no-latency-data";

    /// <summary>Past the hard limit with no observation: the series is withdrawn and the HPA holds.</summary>
    public const string NoData = "no-data";
}
