using MetricsAdapter.Core.Decisions;

namespace MetricsAdapter.Core.Observations;

/// <summary>
/// Sums latency histograms of several pods and intervals. Histograms with the same bounds add bucket by bucket;
/// different layouts merge on their common bounds, where cumulative counts are exact. Quantiles come from the
/// merged buckets by linear interpolation (as Prometheus' <c>histogram_quantile</c>), never from averaged
/// percentiles.
/// </summary>
public sealed class LatencyAccumulator
{
    // Buffers are kept across Clear: an accumulator is refilled every tick with the same layouts.
    private double[] _bounds = [];
    private double[] _cumulative = [];
    private int _length;
    private double _sum;

    public double Count { get; private set; }

    public bool IsEmpty => _length == 0;

    public void Clear()
    {
        _length = 0;
        _sum = 0;
        Count = 0;
    }

    public void Add(LatencyHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        Add(AsSpan(histogram.UpperBounds), AsSpan(histogram.CumulativeCounts), histogram.Sum, histogram.Count);
    }

    public void Add(LatencyAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!other.IsEmpty)
        {
            Add(other._bounds.AsSpan(0, other._length), other._cumulative.AsSpan(0, other._length), other._sum, other.Count);
        }
    }

    private static ReadOnlySpan<double> AsSpan(IReadOnlyList<double> values) => values is double[] array ? array : [.. values];

    private void Add(ReadOnlySpan<double> bounds, ReadOnlySpan<double> cumulative, double sum, double count)
    {
        if (_length == 0)
        {
            if (_bounds.Length < bounds.Length)
            {
                (_bounds, _cumulative) = (new double[bounds.Length], new double[bounds.Length]);
            }

            for (var i = 0; i < bounds.Length; i++)
            {
                (_bounds[i], _cumulative[i]) = (bounds[i], cumulative[i]);
            }

            _length = bounds.Length;
        }
        else if (SameLayout(bounds))
        {
            for (var i = 0; i < _length; i++)
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
        if (_length == 0 || Count <= 0)
        {
            return double.NaN;
        }

        var rank = q * Count;
        for (var i = 0; i < _length; i++)
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

        return _bounds[_length - 1];
    }

    /// <summary>The merged buckets as one histogram, or null when nothing was added.</summary>
    public LatencyHistogram? ToHistogram() =>
        _length == 0 ? null : new LatencyHistogram(_bounds.AsSpan(0, _length).ToArray(), _cumulative.AsSpan(0, _length).ToArray(), _sum, Count);

    public LatencySummary? Summarise() =>
        Count > 0 ? new LatencySummary(Quantile(0.5), Quantile(0.95), Quantile(0.99), Count) : null;

    private bool SameLayout(ReadOnlySpan<double> theirs)
    {
        if (_length != theirs.Length)
        {
            return false;
        }

        for (var i = 0; i < _length; i++)
        {
            if (_bounds[i] != theirs[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Both layouts end with +Inf, so the intersection always keeps at least that bucket.</summary>
    private void MergeOnCommonBounds(ReadOnlySpan<double> bounds, ReadOnlySpan<double> cumulative)
    {
        // In place: the common bounds are a subsequence of ours, so writing position k never overtakes reading i.
        int i = 0, j = 0, k = 0;
        while (i < _length && j < bounds.Length)
        {
            if (_bounds[i] == bounds[j])
            {
                (_bounds[k], _cumulative[k]) = (_bounds[i], _cumulative[i] + cumulative[j]);
                k++;
                i++;
                j++;
            }
            else if (_bounds[i] < bounds[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        _length = k;
    }
}
