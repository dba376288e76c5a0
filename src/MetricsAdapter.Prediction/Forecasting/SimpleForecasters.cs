using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Forecasting;

/// <summary>The last value: what reactive scaling effectively acts on.</summary>
public sealed class LastValueForecaster : ForecasterBase
{
    private double? _last;

    public override string Name => "last-value";

    public override bool IsWarm => _last.HasValue;

    protected override void Absorb(double value) => _last = value;

    protected override double Point(int horizon) => _last ?? 0.0;

    protected override void WriteModel(StateWriter writer)
    {
        writer.WriteNullable(_last);
    }

    protected override void ReadModel(StateReader reader)
    {
        _last = reader.ReadNullableDouble();
    }
}

/// <summary>The value one season ago at the same phase (the last value until a season has been seen).</summary>
public sealed class SeasonalNaiveForecaster(int season) : ForecasterBase
{
    private readonly RingBuffer _season = new(season);

    public override string Name => $"seasonal-naive({season})";

    public int Season => season;

    public override bool IsWarm => _season.IsFull;

    protected override void Absorb(double value) => _season.Add(value);

    protected override double Point(int horizon)
    {
        if (_season.Count == 0)
        {
            return 0.0;
        }

        // The oldest value in the ring is y(t−m+1): y(t+h−m·k) for the smallest k ≥ h/m is at index (h−1) mod m.
        return _season.IsFull ? _season[(horizon - 1) % season] : _season.Newest;
    }

    protected override void WriteModel(StateWriter writer)
    {
        writer.WriteRing(_season);
    }

    protected override void ReadModel(StateReader reader)
    {
        reader.ReadInto(_season);
    }
}

/// <summary>Simple exponential smoothing: a level that moves a fraction α towards each observation.</summary>
public sealed class SimpleExponentialSmoothing(double alpha) : ForecasterBase
{
    private double? _level;

    public override string Name => $"ses({Format(alpha)})";

    public override bool IsWarm => _level.HasValue;

    protected override void Absorb(double value) => _level = _level is { } level ? level + (alpha * (value - level)) : value;

    protected override double Point(int horizon) => _level ?? 0.0;

    protected override void WriteModel(StateWriter writer)
    {
        writer.WriteNullable(_level);
    }

    protected override void ReadModel(StateReader reader)
    {
        _level = reader.ReadNullableDouble();
    }
}

/// <summary>
/// Holt's linear trend (EWMA of level and trend), optionally damped: φ = 1 is the classic model, φ &lt; 1 lets
/// the trend fade over the horizon, which keeps a short burst from being extrapolated for ever.
/// </summary>
public sealed class HoltForecaster(double alpha, double beta, double phi = 1.0) : ForecasterBase
{
    private double? _level;
    private double _trend;

    public override string Name => phi == 1.0 ? $"holt({Format(alpha)},{Format(beta)})" : $"holt({Format(alpha)},{Format(beta)},phi={Format(phi)})";

    public override bool IsWarm => Observations >= 2;

    protected override void Absorb(double value)
    {
        if (_level is not { } previous)
        {
            _level = value;
            return;
        }

        var level = (alpha * value) + ((1 - alpha) * (previous + (phi * _trend)));
        _trend = (beta * (level - previous)) + ((1 - beta) * phi * _trend);
        _level = level;
    }

    protected override double Point(int horizon) => _level is { } level ? level + (DampedSteps(phi, horizon) * _trend) : 0.0;

    /// <summary>φ + φ² + … + φ^h (h when φ = 1).</summary>
    internal static double DampedSteps(double phi, int horizon)
    {
        var sum = 0.0;
        var power = 1.0;
        for (var i = 1; i <= horizon; i++)
        {
            power *= phi;
            sum += power;
        }

        return sum;
    }

    protected override void WriteModel(StateWriter writer)
    {
        writer.WriteNullable(_level);
        writer.Write(_trend);
    }

    protected override void ReadModel(StateReader reader)
    {
        _level = reader.ReadNullableDouble();
        _trend = reader.ReadDouble();
    }
}
