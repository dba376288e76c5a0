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

    /// <summary>Steps the change channel averages over (0 disables it). Default 10.</summary>
    public int ChangeAverage { get; init; } = 10;

    /// <summary>Steps the long value channel averages over (0 disables it). Default 30.</summary>
    public int LongAverage { get; init; } = 30;

    /// <summary>
    /// The configuration served before the change and long channels were added (<c>mcl-v1</c>): kept to compare
    /// against, and measured in BENCHMARKS.md.
    /// </summary>
    public static MultiChannelLikelihoodOptions Version1 { get; } = new() { ChangeAverage = 0, LongAverage = 0 };
}

/// <summary>
/// The default detector behind <c>latency_anomaly_score</c>: the maximum of six online channels, then suppression
/// of repeats. Channels: (S) a value beyond the range seen so far by more than 5% of it; (V) Numenta's anomaly
/// likelihood of how extreme the value's rank is among the last 1000 values, over 10 steps; (L) the same over 30
/// steps, for shifts too slow or too small for V; (D) the likelihood of how unusual the step from the previous value
/// is, two-sided, so that both a burst of variance and a value that stops moving (a stuck exporter) stand out;
/// (E) the likelihood of the rank of the value's deviation from an EWMA; (Q) a tail score of the 30-step mean of the
/// seasonal error |x(t) − x(t−season)|, weighted 0.7. Suppression keeps a score only when it beats the last 50 raw
/// scores, so one incident alerts once. Scores 0 for the first 160 observations (learn + average): a new series'
/// first values always look extreme.
/// </summary>
/// <remarks>
/// Calibration: every channel but S is a tail probability under the series' own learned distribution, mapped as
/// −log₁₀(tail)/10, and is scale-free (ranks); S is certain by construction. So a score means the same on every
/// series, and one threshold serves them all. The channels L and D were chosen under a held-out protocol (leave one
/// category out over the NAB files and a synthetic corpus, confirmed on synthetic corpora of other seeds); the
/// numbers are in BENCHMARKS.md. No randomness: deterministic.
/// </remarks>
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
    private readonly AnomalyLikelihood _longLikelihood;
    private readonly MidRank _changeRank;
    private readonly AnomalyLikelihood _changeLikelihood;
    private double? _previous;

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
        _longLikelihood = new AnomalyLikelihood(o.Learn, o.History, Math.Max(1, o.LongAverage), o.Reestimate);
        _changeRank = new MidRank(o.RankWindow);
        _changeLikelihood = new AnomalyLikelihood(o.Learn, o.History, Math.Max(1, o.ChangeAverage), o.Reestimate);
    }

    public override string Name => _options == MultiChannelLikelihoodOptions.Version1 ? "mcl-v1" : "mcl";

    public override string StateKey => $"mcl{_options}";

    public override bool IsWarm => Observations >= _options.Learn + _options.Average;

    protected override double Process(double value, bool learn)
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

        // V: how extreme the value's rank is, through the anomaly likelihood; L: the same over a longer run.
        var rank = _valueRank.Rank(value);
        var extremity = 2.0 * Math.Abs(rank - 0.5);
        score = Math.Max(score, _valueLikelihood.Update(extremity, learn));
        if (o.LongAverage > 0)
        {
            score = Math.Max(score, _longLikelihood.Update(extremity, learn));
        }

        // D: how unusual the step from the previous value is, in either direction: too large or too still.
        var change = Math.Abs(value - (_previous ?? value));
        if (o.ChangeAverage > 0)
        {
            score = Math.Max(score, _changeLikelihood.Update(2.0 * Math.Abs(_changeRank.Rank(change) - 0.5), learn));
        }

        // E: the rank of the deviation from the EWMA expectation.
        var expected = _expected ?? value;
        var error = Math.Abs(value - expected);
        score = Math.Max(score, _errorLikelihood.Update(_errorRank.Rank(error), learn));

        // Q: the seasonal error, relative to its running scale, over a window.
        var seasonalScale = _seasonalScale;
        if (_season.IsFull)
        {
            var seasonalError = Math.Abs(value - _season.Oldest);
            var scale = _seasonalScale ?? Math.Max(seasonalError, 1e-12);
            var u = Math.Log(1 + (seasonalError / scale));
            seasonalScale = Math.Max(scale + (0.01 * (seasonalError - scale)), 1e-12);
            score = Math.Max(score, o.SeasonalWeight * _seasonalTail.Update(u, learn));
        }

        // Suppression: one incident, one alert.
        var raw = score;
        if (o.Suppression > 0 && _recentScores.Count > 0 && raw <= _recentScores.Max())
        {
            score = 0.0;
        }

        if (learn)
        {
            _low = _low is { } l ? Math.Min(l, value) : value;
            _high = _high is { } h ? Math.Max(h, value) : value;
            _valueRank.Learn(value);
            if (o.ChangeAverage > 0)
            {
                _changeRank.Learn(change);
            }

            _previous = value;
            _errorRank.Learn(error);
            _expected = expected + (o.ErrorAlpha * (value - expected));
            _seasonalScale = seasonalScale;
            _season.Add(value);
            if (o.Suppression > 0)
            {
                _recentScores.Add(raw);
            }
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
        _longLikelihood.WriteState(writer);
        _changeRank.WriteState(writer);
        _changeLikelihood.WriteState(writer);
        writer.WriteNullable(_previous);
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
        _longLikelihood.ReadState(reader);
        _changeRank.ReadState(reader);
        _changeLikelihood.ReadState(reader);
        _previous = reader.ReadNullableDouble();
    }
}
