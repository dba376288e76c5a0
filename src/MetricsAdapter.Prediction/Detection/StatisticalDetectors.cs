using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Detection;

/// <summary>z = |x − μ| / σ against an EWMA mean and variance; score z / (z + 3).</summary>
public sealed class EwmaZScoreDetector(double alpha = 0.02, int warmUp = 30) : AnomalyDetectorBase
{
    private readonly EwmaMoments _moments = new(alpha);

    public override string Name => $"ewma-z({Format(alpha)})";

    public override bool IsWarm => Observations >= warmUp;

    protected override double Process(double value, bool learn)
    {
        var z = _moments.AbsoluteZ(value);
        if (learn)
        {
            _moments.Learn(value);
        }

        return IsWarm ? Squash(z, 3.0) : 0.0;
    }

    protected override void WriteModel(StateWriter writer) => _moments.WriteState(writer);

    protected override void ReadModel(StateReader reader) => _moments.ReadState(reader);
}

/// <summary>
/// z = |x − median| / (1.4826·MAD) over the last W values: a z-score that a few outliers cannot drag around.
/// The scale is floored (1% of the window's central 98% range) so a flat series does not turn every blip into ∞.
/// </summary>
public sealed class RobustZScoreDetector(int window = 500, int warmUp = 30) : AnomalyDetectorBase
{
    private readonly SortedWindow _values = new(window);

    public override string Name => $"robust-z({window})";

    public override bool IsWarm => Observations >= warmUp;

    protected override double Process(double value, bool learn)
    {
        var score = 0.0;
        if (_values.Count >= warmUp)
        {
            var median = _values.Median();
            var mad = _values.MedianAbsoluteDeviation(median);
            var range = _values.Quantile(0.99) - _values.Quantile(0.01);
            var scale = Math.Max(Math.Max(1.4826 * mad, 0.01 * range), 1e-9 * (1 + Math.Abs(median)));
            score = Squash(Math.Abs(value - median) / scale, 3.0);
        }

        if (learn)
        {
            _values.Add(value);
        }

        return score;
    }

    protected override void WriteModel(StateWriter writer) => _values.WriteState(writer);

    protected override void ReadModel(StateReader reader) => _values.ReadState(reader);
}

/// <summary>
/// Two-sided CUSUM on the standardised value (slow EWMA mean and variance, z clipped to ±6): accumulates small
/// persistent shifts that a point test misses. Score m / (m + 1) with m = max(S⁺, S⁻) / h; both sums restart
/// after an alarm (m &gt; 1).
/// </summary>
public sealed class CusumDetector(double alpha = 0.005, double slack = 1.0, double threshold = 5.0, int warmUp = 30) : AnomalyDetectorBase
{
    private readonly EwmaMoments _moments = new(alpha);
    private double _high;
    private double _low;

    public override string Name => $"cusum({Format(alpha)},{Format(slack)},{Format(threshold)})";

    public override bool IsWarm => Observations >= warmUp;

    protected override double Process(double value, bool learn)
    {
        var z = Math.Clamp(_moments.SignedZ(value), -6.0, 6.0);
        if (learn)
        {
            _moments.Learn(value);
        }

        if (!IsWarm)
        {
            return 0.0;
        }

        var high = Math.Max(0.0, _high + z - slack);
        var low = Math.Max(0.0, _low - z - slack);
        var m = Math.Max(high, low);
        if (learn)
        {
            (_high, _low) = m > threshold ? (0.0, 0.0) : (high, low);
        }

        return Squash(m / threshold, 1.0);
    }

    protected override void WriteModel(StateWriter writer)
    {
        _moments.WriteState(writer);
        writer.Write(_high);
        writer.Write(_low);
    }

    protected override void ReadModel(StateReader reader)
    {
        _moments.ReadState(reader);
        _high = reader.ReadDouble();
        _low = reader.ReadDouble();
    }
}

/// <summary>EWMA mean and variance (μ₀ = x₀, σ²₀ = 0), the shared core of the z-score detectors.</summary>
internal sealed class EwmaMoments(double alpha)
{
    private double _mean;
    private double _variance;
    private bool _started;

    /// <summary>|x − μ| / σ; with σ ≈ 0, 0 if x ≈ μ and 10 otherwise; 0 before the first value.</summary>
    public double AbsoluteZ(double value)
    {
        if (!_started)
        {
            return 0.0;
        }

        var sd = Math.Sqrt(_variance);
        if (sd > 1e-12)
        {
            return Math.Abs(value - _mean) / sd;
        }

        return Math.Abs(value - _mean) < 1e-12 ? 0.0 : 10.0;
    }

    /// <summary>(x − μ) / σ; 0 when σ ≈ 0 or before the first value.</summary>
    public double SignedZ(double value)
    {
        var sd = Math.Sqrt(_variance);
        return _started && sd > 1e-12 ? (value - _mean) / sd : 0.0;
    }

    public void Learn(double value)
    {
        if (!_started)
        {
            (_mean, _started) = (value, true);
            return;
        }

        var delta = value - _mean;
        _mean += alpha * delta;
        _variance = (1 - alpha) * (_variance + (alpha * delta * delta));
    }

    public void WriteState(StateWriter writer)
    {
        writer.Write(_started);
        writer.Write(_mean);
        writer.Write(_variance);
    }

    public void ReadState(StateReader reader)
    {
        _started = reader.ReadBoolean();
        _mean = reader.ReadDouble();
        _variance = reader.ReadDouble();
    }
}
