using MetricsAdapter.Prediction.Numerics;
using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Detection;

/// <summary>Mid-rank of a value among the last N past values: (#below + ½·#equal) / n; ½ until 20 values are known.</summary>
internal sealed class MidRank(int capacity)
{
    private readonly SortedWindow _past = new(capacity);

    public double Rank(double value)
    {
        var n = _past.Count;
        if (n < 20)
        {
            return 0.5;
        }

        var below = _past.LowerBound(value);
        var belowOrEqual = _past.UpperBound(value);
        return (below + (0.5 * (belowOrEqual - below))) / n;
    }

    public void Learn(double value) => _past.Add(value);

    public void WriteState(StateWriter writer) => _past.WriteState(writer);

    public void ReadState(StateReader reader) => _past.ReadState(reader);
}

/// <summary>
/// Numenta's anomaly likelihood on a stream of raw surprise values in [0, 1]: the mean of the last few raw values
/// is compared with the normal distribution of such means over a long history; the upper tail probability is
/// turned into a log score. A run of extreme tails fires once (the "red" filter), not on every step of it.
/// </summary>
internal sealed class AnomalyLikelihood(int learn, int history, int average, int reestimate)
{
    private readonly RingBuffer _raw = new(average);
    private readonly RingBuffer _averages = new(history);
    private long _count;
    private double? _mean;
    private double _sd;
    private double _previousTail = 1.0;

    /// <summary>The score of this raw value; taken in only when <paramref name="commit"/>.</summary>
    public double Update(double raw, bool commit)
    {
        var current = _raw.SumWith(raw) / (_raw.IsFull ? _raw.Count : _raw.Count + 1);
        var count = _count + 1;
        var score = 0.0;
        var (mean, sd) = (_mean, _sd);
        var tailSeen = _previousTail;
        if (count > learn + average)
        {
            if (mean is null || count % reestimate == 0)
            {
                var (averageMean, variance) = _averages.MeanAndVariance();
                mean = Math.Max(averageMean, 0.03);
                sd = Math.Sqrt(Math.Max(variance, 0.0003));
            }

            var tail = NormalTail.UpperTail((current - mean.Value) / sd);
            tailSeen = tail;
            if (tail <= 1e-5 && _previousTail <= 1e-5)
            {
                tail = 1e-3;
            }

            var likelihood = 1.0 - tail;
            score = Math.Clamp(Math.Log(1.0000000001 - likelihood) / Math.Log(1e-10), 0.0, 1.0);
        }

        if (commit)
        {
            _raw.Add(raw);
            _count = count;
            (_mean, _sd, _previousTail) = (mean, sd, tailSeen);
            if (count > learn)
            {
                _averages.Add(current);
            }
        }

        return score;
    }

    public void WriteState(StateWriter writer)
    {
        writer.WriteRing(_raw);
        writer.WriteRing(_averages);
        writer.Write(_count);
        writer.WriteNullable(_mean);
        writer.Write(_sd);
        writer.Write(_previousTail);
    }

    public void ReadState(StateReader reader)
    {
        reader.ReadInto(_raw);
        reader.ReadInto(_averages);
        _count = reader.ReadInt64();
        _mean = reader.ReadNullableDouble();
        _sd = reader.ReadDouble();
        _previousTail = reader.ReadDouble();
    }
}

/// <summary>
/// Upper-tail score of a short window's mean against the distribution of that statistic over a long history:
/// min(1, −log10 Q(z) / decades). For slow, sustained shifts that no single point reveals.
/// </summary>
internal sealed class WindowTail(int window, int history, int reestimate, int learn, double decades)
{
    private readonly RingBuffer _window = new(window);
    private readonly RingBuffer _history = new(history);
    private double _sum;
    private long _count;
    private double? _mean;
    private double _sd;

    /// <summary>The score of this value; taken in only when <paramref name="commit"/>.</summary>
    public double Update(double value, bool commit)
    {
        var full = _window.IsFull;
        var sum = (full ? _sum - _window.Oldest : _sum) + value;
        var current = sum / (full ? _window.Count : _window.Count + 1);
        var count = _count + 1;
        var score = 0.0;
        var (mean, sd) = (_mean, _sd);
        if (_history.Count >= learn)
        {
            if (mean is null || count % reestimate == 0)
            {
                var (historyMean, variance) = _history.MeanAndVariance();
                mean = historyMean;
                sd = Math.Max(Math.Sqrt(variance), 1e-3);
            }

            var z = (current - mean.Value) / sd;
            score = z > 0 ? Math.Min(1.0, -NormalTail.Log10UpperTail(z) / decades) : 0.0;
        }

        if (commit)
        {
            _window.Add(value);
            (_sum, _count, _mean, _sd) = (sum, count, mean, sd);
            _history.Add(current);
        }

        return score;
    }

    public void WriteState(StateWriter writer)
    {
        writer.WriteRing(_window);
        writer.WriteRing(_history);
        writer.Write(_sum);
        writer.Write(_count);
        writer.WriteNullable(_mean);
        writer.Write(_sd);
    }

    public void ReadState(StateReader reader)
    {
        reader.ReadInto(_window);
        reader.ReadInto(_history);
        _sum = reader.ReadDouble();
        _count = reader.ReadInt64();
        _mean = reader.ReadNullableDouble();
        _sd = reader.ReadDouble();
    }
}
