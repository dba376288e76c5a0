using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Core.Observations;

namespace MetricsAdapter.Decisions;

/// <summary>
/// Sums latency histograms of several pods and intervals. Histograms with the same bounds add bucket by bucket;
/// different layouts merge on their common bounds, where cumulative counts are exact. Quantiles come from the
/// merged buckets by linear interpolation (as Prometheus' <c>histogram_quantile</c>), never from averaged
/// percentiles.
/// </summary>
internal sealed class LatencyAccumulator
{
    private double[]? _bounds;
    private double[] _cumulative = [];
    private double _sum;

    public double Count { get; private set; }

    public bool IsEmpty => _bounds is null;

    public void Clear()
    {
        _bounds = null;
        _cumulative = [];
        _sum = 0;
        Count = 0;
    }

    public void Add(LatencyHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        Add(histogram.UpperBounds, histogram.CumulativeCounts, histogram.Sum, histogram.Count);
    }

    public void Add(LatencyAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._bounds is not null)
        {
            Add(other._bounds, other._cumulative, other._sum, other.Count);
        }
    }

    private void Add(IReadOnlyList<double> bounds, IReadOnlyList<double> cumulative, double sum, double count)
    {
        if (_bounds is null)
        {
            _bounds = [.. bounds];
            _cumulative = [.. cumulative];
        }
        else if (SameLayout(_bounds, bounds))
        {
            for (var i = 0; i < _cumulative.Length; i++)
            {
                _cumulative[i] += cumulative[i];
            }
        }
        else
        {
            MergeOnCommonBounds(bounds, cumulative);
        }

        _sum += sum;
        Count += count;
    }

    /// <summary>The latency at quantile <paramref name="q"/> in seconds; NaN when nothing was counted.</summary>
    public double Quantile(double q)
    {
        if (_bounds is null || Count <= 0)
        {
            return double.NaN;
        }

        var rank = q * Count;
        for (var i = 0; i < _bounds.Length; i++)
        {
            if (_cumulative[i] < rank)
            {
                continue;
            }

            if (double.IsPositiveInfinity(_bounds[i]))
            {
                // Beyond the last finite bound nothing is known but that it is at least that.
                return i == 0 ? double.NaN : _bounds[i - 1];
            }

            var lower = i == 0 ? 0.0 : _bounds[i - 1];
            var below = i == 0 ? 0.0 : _cumulative[i - 1];
            var inBucket = _cumulative[i] - below;
            return inBucket <= 0 ? _bounds[i] : lower + ((_bounds[i] - lower) * (rank - below) / inBucket);
        }

        return _bounds[^1];
    }

    public LatencySummary? Summarise() =>
        Count > 0 ? new LatencySummary(Quantile(0.5), Quantile(0.95), Quantile(0.99), Count) : null;

    private static bool SameLayout(double[] mine, IReadOnlyList<double> theirs)
    {
        if (ReferenceEquals(mine, theirs))
        {
            return true;
        }

        if (mine.Length != theirs.Count)
        {
            return false;
        }

        for (var i = 0; i < mine.Length; i++)
        {
            if (mine[i] != theirs[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Both layouts end with +Inf, so the intersection always keeps at least that bucket.</summary>
    private void MergeOnCommonBounds(IReadOnlyList<double> bounds, IReadOnlyList<double> cumulative)
    {
        var mine = _bounds!;
        var common = new List<double>(Math.Min(mine.Length, bounds.Count));
        var merged = new List<double>(common.Capacity);
        int i = 0, j = 0;
        while (i < mine.Length && j < bounds.Count)
        {
            if (mine[i] == bounds[j])
            {
                common.Add(mine[i]);
                merged.Add(_cumulative[i] + cumulative[j]);
                i++;
                j++;
            }
            else if (mine[i] < bounds[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        _bounds = [.. common];
        _cumulative = [.. merged];
    }

    /// <summary>For snapshots: bounds, cumulative counts, sum and count.</summary>
    public (double[] Bounds, double[] Cumulative, double Sum, double Count)? Export() =>
        _bounds is null ? null : ([.. _bounds], [.. _cumulative], _sum, Count);

    public void Import(double[] bounds, double[] cumulative, double sum, double count)
    {
        (_bounds, _cumulative, _sum, Count) = (bounds, cumulative, sum, count);
    }
}
