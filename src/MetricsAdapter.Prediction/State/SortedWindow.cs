namespace MetricsAdapter.Prediction.State;

/// <summary>
/// The last <c>capacity</c> values, both in arrival order and sorted, for ranks, medians and quantiles over a
/// sliding window. Adding is O(capacity) (one shift in a sorted array), which for windows of a few thousand is a
/// memory move of a few kilobytes.
/// </summary>
public sealed class SortedWindow
{
    private readonly RingBuffer _arrivals;
    private readonly List<double> _sorted;

    public SortedWindow(int capacity)
    {
        _arrivals = new RingBuffer(capacity);
        _sorted = new List<double>(capacity + 1);
    }

    public int Count => _sorted.Count;

    public int Capacity => _arrivals.Capacity;

    public double this[int rank] => _sorted[rank];

    public void Add(double value)
    {
        _sorted.Insert(UpperBound(value), value);
        if (_arrivals.Add(value) is { } dropped)
        {
            _sorted.RemoveAt(LowerBound(dropped));
        }
    }

    /// <summary>How many values are less than <paramref name="value"/>.</summary>
    public int LowerBound(double value)
    {
        int low = 0, high = _sorted.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_sorted[middle] < value)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    /// <summary>How many values are less than or equal to <paramref name="value"/>.</summary>
    public int UpperBound(double value)
    {
        int low = 0, high = _sorted.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_sorted[middle] <= value)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    public double Median()
    {
        var n = _sorted.Count;
        return n % 2 == 1 ? _sorted[n / 2] : 0.5 * (_sorted[(n / 2) - 1] + _sorted[n / 2]);
    }

    /// <summary>
    /// The median absolute deviation from <paramref name="center"/>, exactly, in O(log n): the deviations below and
    /// above the center are each already sorted in the window, so their median is an order statistic of two sorted
    /// sequences (no copy, no sort).
    /// </summary>
    public double MedianAbsoluteDeviation(double center)
    {
        var n = _sorted.Count;
        if (n == 0)
        {
            return 0.0;
        }

        var split = LowerBound(center);
        return n % 2 == 1
            ? DeviationOfRank(center, split, n / 2)
            : 0.5 * (DeviationOfRank(center, split, (n / 2) - 1) + DeviationOfRank(center, split, n / 2));
    }

    /// <summary>The k-th smallest (0-based) of |x − center| over the window; values below <paramref name="split"/> are left of the center.</summary>
    private double DeviationOfRank(double center, int split, int k)
    {
        // Left run (ascending deviations): center − sorted[split − 1 − i]; right run: sorted[split + i] − center.
        int leftCount = split, rightCount = _sorted.Count - split;
        int low = Math.Max(0, k + 1 - rightCount), high = Math.Min(k + 1, leftCount);
        while (low < high)
        {
            // Take i from the left run and k + 1 − i from the right run.
            var i = (low + high) >>> 1;
            var j = k + 1 - i;
            var leftNext = center - _sorted[split - 1 - i];
            var rightLast = j > 0 ? _sorted[split + j - 1] - center : double.NegativeInfinity;
            if (leftNext < rightLast)
            {
                low = i + 1;
            }
            else
            {
                high = i;
            }
        }

        var fromLeft = low;
        var fromRight = k + 1 - fromLeft;
        var leftLast = fromLeft > 0 ? center - _sorted[split - fromLeft] : double.NegativeInfinity;
        var rightLastTaken = fromRight > 0 ? _sorted[split + fromRight - 1] - center : double.NegativeInfinity;
        return Math.Max(leftLast, rightLastTaken);
    }

    /// <summary>The value at rank round(p·(n−1)).</summary>
    public double Quantile(double p) => _sorted[Math.Clamp((int)((p * (_sorted.Count - 1)) + 0.5), 0, _sorted.Count - 1)];

    public IEnumerable<double> InArrivalOrder() => _arrivals.ToArray();

    public void WriteState(StateWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteRing(_arrivals);
    }

    public void ReadState(StateReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        reader.ReadInto(_arrivals);
        _sorted.Clear();
        _sorted.AddRange(_arrivals.ToArray());
        _sorted.Sort();
    }
}
