namespace MetricsAdapter.Core.Observations;

/// <summary>
/// A latency histogram's change over one interval, in Prometheus' form: cumulative counts of requests at or below
/// each upper bound (seconds, strictly increasing, <c>+Inf</c> last), with the sum and count of the observed
/// latencies. Histograms of different pods merge on their common bounds; percentiles are never averaged.
/// </summary>
public sealed record LatencyHistogram
{
    /// <summary>Most buckets accepted in one histogram (Prometheus client defaults have 11–15).</summary>
    public const int MaxBuckets = 128;

    /// <param name="upperBounds">Bucket upper bounds in seconds, strictly increasing, the last one +∞.</param>
    /// <param name="cumulativeCounts">Requests at or below each bound; non-decreasing, the last equals <paramref name="count"/>.</param>
    /// <param name="sum">Sum of the latencies in seconds.</param>
    /// <param name="count">Requests observed.</param>
    /// <exception cref="ArgumentException">The shape breaks one of these rules; the message says which.</exception>
    public LatencyHistogram(IReadOnlyList<double> upperBounds, IReadOnlyList<double> cumulativeCounts, double sum, double count)
    {
        ArgumentNullException.ThrowIfNull(upperBounds);
        ArgumentNullException.ThrowIfNull(cumulativeCounts);
        if (Validate(upperBounds, cumulativeCounts, sum, count) is { } error)
        {
            throw new ArgumentException(error);
        }

        UpperBounds = upperBounds;
        CumulativeCounts = cumulativeCounts;
        Sum = sum;
        Count = count;
    }

    private LatencyHistogram(IReadOnlyList<double> upperBounds, IReadOnlyList<double> cumulativeCounts, double sum, double count, bool validated)
    {
        _ = validated;
        (UpperBounds, CumulativeCounts, Sum, Count) = (upperBounds, cumulativeCounts, sum, count);
    }

    public IReadOnlyList<double> UpperBounds { get; }

    public IReadOnlyList<double> CumulativeCounts { get; }

    public double Sum { get; }

    public double Count { get; }

    /// <summary>For a caller that has just run <see cref="Validate"/> on these exact values.</summary>
    internal static LatencyHistogram CreateValidated(IReadOnlyList<double> upperBounds, IReadOnlyList<double> cumulativeCounts, double sum, double count) =>
        new(upperBounds, cumulativeCounts, sum, count, validated: true);

    /// <summary>Why the shape is invalid, or null when it is valid.</summary>
    public static string? Validate(IReadOnlyList<double> upperBounds, IReadOnlyList<double> cumulativeCounts, double sum, double count)
    {
        ArgumentNullException.ThrowIfNull(upperBounds);
        ArgumentNullException.ThrowIfNull(cumulativeCounts);
        if (upperBounds.Count == 0 || upperBounds.Count != cumulativeCounts.Count)
        {
            return "a histogram needs as many counts as bounds, and at least the +Inf bucket";
        }

        if (upperBounds.Count > MaxBuckets)
        {
            return $"a histogram may have at most {MaxBuckets} buckets";
        }

        if (!double.IsPositiveInfinity(upperBounds[^1]))
        {
            return "the last bucket's bound must be +Inf";
        }

        for (var i = 0; i < upperBounds.Count; i++)
        {
            if (double.IsNaN(upperBounds[i]) || (i < upperBounds.Count - 1 && !double.IsFinite(upperBounds[i])))
            {
                return "bucket bounds must be numbers";
            }

            if (i > 0 && upperBounds[i] <= upperBounds[i - 1])
            {
                return "bucket bounds must increase strictly";
            }

            var bucket = cumulativeCounts[i];
            if (!double.IsFinite(bucket) || bucket < 0)
            {
                return "bucket counts must be finite and not negative";
            }

            if (i > 0 && bucket < cumulativeCounts[i - 1])
            {
                return "bucket counts are cumulative and cannot decrease";
            }
        }

        if (!double.IsFinite(count) || count < 0 || cumulativeCounts[^1] != count)
        {
            return "the +Inf bucket must count every request (count)";
        }

        if (!double.IsFinite(sum) || sum < 0)
        {
            return "the sum of latencies must be finite and not negative";
        }

        return null;
    }
}
