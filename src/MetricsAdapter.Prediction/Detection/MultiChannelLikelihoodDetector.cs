using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Detection;

/// <summary>Parameters of <see cref="MultiChannelLikelihoodDetector"/>; the defaults are the measured ones (BENCHMARKS.md).</summary>
public sealed record MultiChannelLikelihoodOptions
{
    /// <summary>Spatial channel: a new extreme must exceed the range seen so far by this fraction of it. Default 0.05.</summary>
    public double SpatialTolerance { get; init; } = 0.05;

    /// <summary>Values (and errors) a rank is taken among. Default 1000.</summary>
    public int RankWindow { get; init; } = 1000;

    /// <summary>Observations before the likelihood channels score. Default 150.</summary>
    public int Learn { get; init; } = 150;

    /// <summary>History of averaged surprises the likelihood compares against. Default 2000.</summary>
    public int History { get; init; } = 2000;

    /// <summary>Surprises averaged into the current statistic. Default 10.</summary>
    public int Average { get; init; } = 10;

    /// <summary>Steps between re-estimates of the reference distribution. Default 100.</summary>
    public int Reestimate { get; init; } = 100;

    /// <summary>EWMA rate of the error channel's expectation. Default 0.1.</summary>
    public double ErrorAlpha { get; init; } = 0.1;

    /// <summary>Season of the seasonal channel in steps (288 = a day of 5-minute samples). Default 288.</summary>
    public int Season { get; init; } = 288;

    /// <summary>Window of the seasonal channel's mean. Default 30.</summary>
    public int SeasonalWindow { get; init; } = 30;

    /// <summary>History of the seasonal channel. Default 1000.</summary>
    public int SeasonalHistory { get; init; } = 1000;

    /// <summary>Weight of the seasonal channel. Default 0.7.</summary>
    public double SeasonalWeight { get; init; } = 0.7;

    /// <summary>A score is kept only if it beats every raw score of this many previous steps (0 disables). Default 50.</summary>
    public int Suppression { get; init; } = 50;
}

/// <summary>
/// The default detector behind <c>latency_anomaly_score</c>: the maximum of four online channels, then
/// suppression of repeats. Channels: (S) a value beyond the range seen so far by more than 5% of it; (V) Numenta's
/// anomaly likelihood of how extreme the value's rank is among the last 1000 values; (E) the same for the rank of
/// its deviation from an EWMA; (Q) a tail score of the 30-step mean of the seasonal error |x(t) − x(t−season)|,
/// weighted 0.7. Suppression keeps a score only when it beats the last 50 raw scores, so one incident alerts once.
/// Scores 0 for the first 160 observations (learn + average): a new series' first values always look extreme.
/// No randomness: deterministic.
/// </summary>
public sealed class MultiChannelLikelihoodDetector : AnomalyDetectorBase
{
    private readonly MultiChannelLikelihoodOptions _options;
    private readonly MidRank _valueRank;
    private readonly AnomalyLikelihood _valueLikelihood;
    private readonly MidRank _errorRank;
    private readonly AnomalyLikelihood _errorLikelihood;
    private readonly RingBuffer _season;
    private readonly WindowTail _seasonalTail;
    private readonly RingBuffer _recentScores;
    private double? _low;
    private double? _high;
    private double? _expected;
    private double? _seasonalScale;

    public MultiChannelLikelihoodDetector(MultiChannelLikelihoodOptions? options = null)
    {
        _options = options ?? new MultiChannelLikelihoodOptions();
        var o = _options;
        _valueRank = new MidRank(o.RankWindow);
        _valueLikelihood = new AnomalyLikelihood(o.Learn, o.History, o.Average, o.Reestimate);
        _errorRank = new MidRank(o.RankWindow);
        _errorLikelihood = new AnomalyLikelihood(o.Learn, o.History, o.Average, o.Reestimate);
        _season = new RingBuffer(o.Season);
        _seasonalTail = new WindowTail(o.SeasonalWindow, o.SeasonalHistory, 50, o.Learn, 10.0);
        _recentScores = new RingBuffer(Math.Max(1, o.Suppression));
    }

    public override string Name => "mcl";

    public override string StateKey => $"mcl{_options}";

    public override bool IsWarm => Observations >= _options.Learn + _options.Average;

    protected override double Process(double value)
    {
        var o = _options;
        var score = 0.0;

        // S: a new extreme.
        if (_low is { } low && _high is { } high && high > low)
        {
            var tolerance = (high - low) * o.SpatialTolerance;
            if (value > high + tolerance || value < low - tolerance)
            {
                score = 1.0;
            }
        }

        _low = _low is { } l ? Math.Min(l, value) : value;
        _high = _high is { } h ? Math.Max(h, value) : value;

        // V: how extreme the value's rank is, through the anomaly likelihood.
        var rank = _valueRank.RankAndLearn(value);
        score = Math.Max(score, _valueLikelihood.Update(2.0 * Math.Abs(rank - 0.5)));

        // E: the rank of the deviation from the EWMA expectation.
        var expected = _expected ?? value;
        var error = Math.Abs(value - expected);
        _expected = expected + (o.ErrorAlpha * (value - expected));
        score = Math.Max(score, _errorLikelihood.Update(_errorRank.RankAndLearn(error)));

        // Q: the seasonal error, relative to its running scale, over a window.
        if (_season.IsFull)
        {
            var seasonalError = Math.Abs(value - _season.Oldest);
            var scale = _seasonalScale ?? Math.Max(seasonalError, 1e-12);
            var u = Math.Log(1 + (seasonalError / scale));
            _seasonalScale = Math.Max(scale + (0.01 * (seasonalError - scale)), 1e-12);
            score = Math.Max(score, o.SeasonalWeight * _seasonalTail.Update(u));
        }

        _season.Add(value);

        // Suppression: one incident, one alert.
        if (o.Suppression > 0)
        {
            var raw = score;
            if (_recentScores.Count > 0 && raw <= _recentScores.Max())
            {
                score = 0.0;
            }

            _recentScores.Add(raw);
        }

        // Warm-up: a new series' first values always look extreme against the little seen so far.
        return IsWarm ? score : 0.0;
    }

    protected override void WriteModel(StateWriter writer)
    {
        _valueRank.WriteState(writer);
        _valueLikelihood.WriteState(writer);
        _errorRank.WriteState(writer);
        _errorLikelihood.WriteState(writer);
        writer.WriteRing(_season);
        _seasonalTail.WriteState(writer);
        writer.WriteRing(_recentScores);
        writer.WriteNullable(_low);
        writer.WriteNullable(_high);
        writer.WriteNullable(_expected);
        writer.WriteNullable(_seasonalScale);
    }

    protected override void ReadModel(StateReader reader)
    {
        _valueRank.ReadState(reader);
        _valueLikelihood.ReadState(reader);
        _errorRank.ReadState(reader);
        _errorLikelihood.ReadState(reader);
        reader.ReadInto(_season);
        _seasonalTail.ReadState(reader);
        reader.ReadInto(_recentScores);
        _low = reader.ReadNullableDouble();
        _high = reader.ReadNullableDouble();
        _expected = reader.ReadNullableDouble();
        _seasonalScale = reader.ReadNullableDouble();
    }
}
