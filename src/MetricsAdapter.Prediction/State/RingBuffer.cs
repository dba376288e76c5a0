namespace MetricsAdapter.Prediction.State;

/// <summary>The last <see cref="Capacity"/> values, oldest first; adding to a full ring drops the oldest.</summary>
public sealed class RingBuffer
{
    private readonly double[] _items;
    private int _start;

    public RingBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _items = new double[capacity];
    }

    public int Capacity => _items.Length;

    public int Count { get; private set; }

    public bool IsFull => Count == _items.Length;

    /// <summary>The value <paramref name="index"/> places after the oldest.</summary>
    public double this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"the ring holds {Count} values");
            }

            var slot = _start + index;
            return _items[slot >= _items.Length ? slot - _items.Length : slot];
        }
    }

    public double Oldest => this[0];

    public double Newest => this[Count - 1];

    /// <summary>Adds a value; returns the one dropped to make room, if any.</summary>
    public double? Add(double value)
    {
        if (Count < _items.Length)
        {
            var slot = _start + Count;
            _items[slot >= _items.Length ? slot - _items.Length : slot] = value;
            Count++;
            return null;
        }

        var dropped = _items[_start];
        _items[_start] = value;
        _start = _start + 1 == _items.Length ? 0 : _start + 1;
        return dropped;
    }

    public void Clear()
    {
        _start = 0;
        Count = 0;
    }

    public double[] ToArray()
    {
        var result = new double[Count];
        for (var i = 0; i < Count; i++)
        {
            result[i] = this[i];
        }

        return result;
    }

    /// <summary>Sum oldest to newest (the order matters for reproducible floating point).</summary>
    public double Sum()
    {
        var sum = 0.0;
        foreach (var value in FirstRun())
        {
            sum += value;
        }

        foreach (var value in SecondRun())
        {
            sum += value;
        }

        return sum;
    }

    /// <summary>What <see cref="Sum"/> would return after <c>Add(next)</c>, in the same order, without adding it.</summary>
    public double SumWith(double next)
    {
        var sum = 0.0;
        for (var i = IsFull ? 1 : 0; i < Count; i++)
        {
            sum += this[i];
        }

        return sum + next;
    }

    /// <summary>Mean and population variance, summed oldest to newest (the order matters for reproducible floating point).</summary>
    public (double Mean, double Variance) MeanAndVariance()
    {
        var mean = Sum() / Count;
        var variance = 0.0;
        for (var i = 0; i < Count; i++)
        {
            var deviation = this[i] - mean;
            variance += deviation * deviation;
        }

        return (mean, variance / Count);
    }

    public double Max()
    {
        var max = double.NegativeInfinity;
        foreach (var value in FirstRun())
        {
            max = Math.Max(max, value);
        }

        foreach (var value in SecondRun())
        {
            max = Math.Max(max, value);
        }

        return max;
    }

    /// <summary>The oldest values, up to the end of the backing array.</summary>
    private ReadOnlySpan<double> FirstRun() => _items.AsSpan(_start, Math.Min(Count, _items.Length - _start));

    /// <summary>The newest values that wrapped around to the start of the backing array.</summary>
    private ReadOnlySpan<double> SecondRun() => _items.AsSpan(0, Count - Math.Min(Count, _items.Length - _start));
}
