using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Forecasting;

/// <summary>
/// Additive Holt-Winters with online seasonal initialisation. For the first season it is Holt (no seasonal term)
/// while it records that season; then level = the season's mean, trend = 0 and the seasonal indices = the
/// season's deviations from it. It never waits for two seasons: with less history it degrades to Holt, then to
/// Holt-Winters with a one-season estimate that the smoothing refines.
/// </summary>
public sealed class HoltWintersForecaster : ForecasterBase
{
    private readonly int _season;
    private readonly double _alpha;
    private readonly double _beta;
    private readonly double _gamma;
    private readonly double _phi;
    private readonly HoltForecaster _start;
    private readonly double[] _seasonal;
    private double _level;
    private double _trend;
    private bool _initialised;

    public HoltWintersForecaster(int season, double alpha, double beta, double gamma, double phi = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(season, 1);
        (_season, _alpha, _beta, _gamma, _phi) = (season, alpha, beta, gamma, phi);
        _start = new HoltForecaster(alpha, beta, phi);
        _seasonal = new double[season];
    }

    public override string Name => $"holt-winters({_season},{Format(_alpha)},{Format(_beta)},{Format(_gamma)})";

    public override bool IsWarm => _initialised;

    protected override void Absorb(double value)
    {
        var index = (int)(Observations % _season);
        if (!_initialised)
        {
            _start.Learn(value);
            _seasonal[index] = value;
            if (index == _season - 1)
            {
                (_level, _trend, _initialised) = (SeasonStart.Center(_seasonal), 0.0, true);
            }

            return;
        }

        var previousLevel = _level;
        _level = (_alpha * (value - _seasonal[index])) + ((1 - _alpha) * (previousLevel + (_phi * _trend)));
        _trend = (_beta * (_level - previousLevel)) + ((1 - _beta) * _phi * _trend);
        _seasonal[index] = (_gamma * (value - _level)) + ((1 - _gamma) * _seasonal[index]);
    }

    protected override double Point(int horizon)
    {
        if (!_initialised)
        {
            return _start.Forecast(horizon).Point;
        }

        return _level + (HoltForecaster.DampedSteps(_phi, horizon) * _trend) + _seasonal[(int)((Observations - 1 + horizon) % _season)];
    }

    protected override void WriteModel(StateWriter writer)
    {
        writer.Write(_initialised);
        writer.Write(_level);
        writer.Write(_trend);
        writer.WriteDoubles(_seasonal);
        _start.WriteState(writer);
    }

    protected override void ReadModel(StateReader reader)
    {
        _initialised = reader.ReadBoolean();
        _level = reader.ReadDouble();
        _trend = reader.ReadDouble();
        reader.ReadDoubles(_season).CopyTo(_seasonal, 0);
        _start.ReadState(reader);
    }
}

/// <summary>
/// Two seasonalities at once, e.g. day and week (Taylor's double-seasonal exponential smoothing, additive, no
/// trend): level + daily index + weekly index. The daily indices start from the first day as in Holt-Winters; the
/// weekly ones start at zero and learn only after a full week, so a cold start never waits for a week.
/// </summary>
public sealed class DoubleSeasonalForecaster : ForecasterBase
{
    private readonly int _short;
    private readonly int _long;
    private readonly double _alpha;
    private readonly double _shortGamma;
    private readonly double _longGamma;
    private readonly SimpleExponentialSmoothing _start;
    private readonly double[] _shortIndex;
    private readonly double[] _longIndex;
    private double _level;
    private bool _initialised;

    public DoubleSeasonalForecaster(int shortSeason, int longSeason, double alpha, double shortGamma, double longGamma)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shortSeason, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(longSeason, shortSeason);
        (_short, _long, _alpha, _shortGamma, _longGamma) = (shortSeason, longSeason, alpha, shortGamma, longGamma);
        _start = new SimpleExponentialSmoothing(alpha);
        _shortIndex = new double[shortSeason];
        _longIndex = new double[longSeason];
    }

    public override string Name => $"double-seasonal({_short},{_long},{Format(_alpha)},{Format(_shortGamma)},{Format(_longGamma)})";

    public override bool IsWarm => _initialised;

    protected override void Absorb(double value)
    {
        var i = (int)(Observations % _short);
        var j = (int)(Observations % _long);
        if (!_initialised)
        {
            _start.Learn(value);
            _shortIndex[i] = value;
            if (i == _short - 1)
            {
                (_level, _initialised) = (SeasonStart.Center(_shortIndex), true);
            }

            return;
        }

        var error = value - (_level + _shortIndex[i] + _longIndex[j]);
        _level += _alpha * error;
        _shortIndex[i] += _shortGamma * error;
        if (Observations + 1 > _long)
        {
            _longIndex[j] += _longGamma * error;
        }
    }

    protected override double Point(int horizon)
    {
        if (!_initialised)
        {
            return _start.Forecast(horizon).Point;
        }

        var k = Observations - 1 + horizon;
        return _level + _shortIndex[(int)(k % _short)] + _longIndex[(int)(k % _long)];
    }

    protected override void WriteModel(StateWriter writer)
    {
        writer.Write(_initialised);
        writer.Write(_level);
        writer.WriteDoubles(_shortIndex);
        writer.WriteDoubles(_longIndex);
        _start.WriteState(writer);
    }

    protected override void ReadModel(StateReader reader)
    {
        _initialised = reader.ReadBoolean();
        _level = reader.ReadDouble();
        reader.ReadDoubles(_short).CopyTo(_shortIndex, 0);
        reader.ReadDoubles(_long).CopyTo(_longIndex, 0);
        _start.ReadState(reader);
    }
}

/// <summary>The online seasonal start shared by the seasonal models: the first season's values become deviations from its mean.</summary>
internal static class SeasonStart
{
    /// <summary>Replaces <paramref name="season"/> by its deviations from its mean (summed oldest first); returns the mean.</summary>
    public static double Center(double[] season)
    {
        var mean = 0.0;
        foreach (var value in season)
        {
            mean += value;
        }

        mean /= season.Length;
        for (var i = 0; i < season.Length; i++)
        {
            season[i] -= mean;
        }

        return mean;
    }
}
