using MetricsAdapter.Prediction.Numerics;
using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Detection;

/// <summary>Mid-rank of a value among the last N past values: (#below + ½·#equal) / n; ½ until 20 values are known.</summary>
internal sealed class MidRank(int capacity)
{
    private readonly SortedWindow _past = new(capacity);

    public double RankAndLearn(double value)
    {
        var n = _past.Count;
        var rank = 0.5;
        if (n >= 20)
        {
            var below = _past.LowerBound(value);
            var belowOrEqual = _past.UpperBound(value);
            rank = (below + (0.5 * (belowOrEqual - below))) / n;
        }

        _past.Add(value);
        return rank;
    }

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

    public double Update(double raw)
    {
        _raw.Add(raw);
        var current = _raw.Sum() / _raw.Count;
        _count++;
        var score = 0.0;
        if (_count > learn + average)
        {
            if (_mean is null || _count % reestimate == 0)
            {
                var (mean, variance) = _averages.MeanAndVariance();
                _mean = Math.Max(mean, 0.03);
                _sd = Math.Sqrt(Math.Max(variance, 0.0003));
            }

            var tail = NormalTail.UpperTail((current - _mean.Value) / _sd);
            var rawTail = tail;
            if (tail <= 1e-5 && _previousTail <= 1e-5)
            {
                tail = 1e-3;
            }

            _previousTail = rawTail;
            var likelihood = 1.0 - tail;
            score = Math.Clamp(Math.Log(1.0000000001 - likelihood) / Math.Log(1e-10), 0.0, 1.0);
        }

        if (_count > learn)
        {
            _averages.Add(current);
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

    public double Update(double value)
    {
        if (_window.IsFull)
        {
            _sum -= _window.Oldest;
        }

        _window.Add(value);
        _sum += value;
        var current = _sum / _window.Count;
        _count++;
        var score = 0.0;
        if (_history.Count >= learn)
        {
            if (_mean is null || _count % reestimate == 0)
            {
                var (mean, variance) = _history.MeanAndVariance();
                _mean = mean;
                _sd = Math.Max(Math.Sqrt(variance), 1e-3);
            }

            var z = (current - _mean.Value) / _sd;
            score = z > 0 ? Math.Min(1.0, -NormalTail.Log10UpperTail(z) / decades) : 0.0;
        }

        _history.Add(current);
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
