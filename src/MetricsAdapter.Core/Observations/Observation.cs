using MetricsAdapter.Core.Pipeline;

namespace MetricsAdapter.Core.Observations;

/// <summary>
/// Observation v1: what one pod's predictor sidecar saw over one scrape interval (<c>metrics-adapter.observation/v1</c>).
/// Counts are deltas over [<see cref="Start"/>, <see cref="End"/>); a counter reset has been handled by the sidecar
/// (never a negative count) and flagged.
/// </summary>
public sealed record Observation
{
    public const string SchemaV1 = "metrics-adapter.observation/v1";

    /// <summary>The namespace and service the pod belongs to, as the webhook resolved the service.</summary>
    public required ServiceKey Service { get; init; }

    public required string Pod { get; init; }

    public string? Node { get; init; }

    /// <summary>The interval's start, UTC (the sidecar's clock).</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>The interval's end, UTC (the sidecar's clock).</summary>
    public required DateTimeOffset End { get; init; }

    /// <summary>Requests completed in the interval.</summary>
    public required double Requests { get; init; }

    /// <summary>Requests in the interval that failed (5xx and the like).</summary>
    public double Errors { get; init; }

    /// <summary>The latency histogram's change over the interval, or null when the app exposes none.</summary>
    public LatencyHistogram? Latency { get; init; }

    /// <summary>The sidecar's own latency anomaly score for this pod, in [0, 1].</summary>
    public double PodAnomalyScore { get; init; }

    /// <summary>Per pod, one more than the previous observation's: a gap shows loss.</summary>
    public required long Sequence { get; init; }

    /// <summary>See <see cref="ObservationFlags"/>.</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>The sidecar's version.</summary>
    public string? Sidecar { get; init; }

    /// <summary>
    /// Which run of the pod's sidecar published this (a random id per process start). A new one means the sidecar
    /// restarted and its <see cref="Sequence"/> started over, even when its first observation was lost.
    /// </summary>
    public string? Instance { get; init; }

    public bool HasFlag(string flag)
    {
        foreach (var present in Flags)
        {
            if (string.Equals(present, flag, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Flag values an observation may carry. Other values are allowed and passed through.</summary>
public static class ObservationFlags
{
    /// <summary>A counter went backwards (the app restarted); the interval's count starts from zero.</summary>
    public const string CounterReset = "counter-reset";

    /// <summary>The scrape failed; the counts are zero and say nothing about load.</summary>
    public const string ScrapeFailed = "scrape-failed";

    /// <summary>Impossible values were clipped before publishing.</summary>
    public const string OutliersClipped = "outliers-clipped";

    /// <summary>The first interval after the sidecar started.</summary>
    public const string FirstInterval = "first-interval";

    /// <summary>The pod is terminating: this is its last observation, and its silence afterwards is not a drop in load.</summary>
    public const string PodStopping = "pod-stopping";
}
