using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Detection;

/// <summary>
/// An online anomaly detector: scores each observation against what it has learned from the past, then learns it.
/// Scores are in [0, 1]; 0 during warm-up. Deterministic for a given seed.
/// </summary>
/// <remarks>
/// Scoring and learning are separable: <see cref="Score"/> changes nothing, so a caller may decline to learn a value
/// it judged anomalous (an incident is not taught as normal), or score a shadow model side by side with the served
/// one. <c>ScoreAndLearn(x)</c> returns exactly <c>Score(x)</c> and leaves the state <c>Learn(x)</c> leaves.
/// A non-finite observation (NaN, ±∞) scores 0 and is not learned: a broken scrape must neither raise an alarm
/// nor teach the model that broken values are normal.
/// </remarks>
public interface IAnomalyDetector : IStatefulModel
{
    string Name { get; }

    /// <summary>Finite observations learned so far.</summary>
    long Observations { get; }

    /// <summary>Whether the score can be above 0, i.e. warm-up is over.</summary>
    bool IsWarm { get; }

    /// <summary>The score <see cref="ScoreAndLearn"/> would give this value now; the detector's state is untouched.</summary>
    double Score(double value);

    /// <summary>Takes the value in without scoring it.</summary>
    void Learn(double value);

    /// <summary>Scores the value against the past, then takes it in.</summary>
    double ScoreAndLearn(double value);
}

/// <summary>Shared behaviour: non-finite values score 0 untouched; scores are clamped to [0, 1].</summary>
public abstract class AnomalyDetectorBase : OnlineModelBase, IAnomalyDetector
{
    public double Score(double value) => double.IsFinite(value) ? Clamp(Process(value, learn: false)) : 0.0;

    public void Learn(double value) => ScoreAndLearn(value);

    public double ScoreAndLearn(double value)
    {
        if (!double.IsFinite(value))
        {
            return 0.0;
        }

        var score = Process(value, learn: true);
        CountObservation();
        return Clamp(score);
    }

    /// <summary>
    /// Scores one finite value from the past only and, when <paramref name="learn"/>, takes it in. One code path for
    /// both, so that a score without learning is the very score learning would have given.
    /// </summary>
    protected abstract double Process(double value, bool learn);

    private static double Clamp(double score) => double.IsFinite(score) ? Math.Clamp(score, 0.0, 1.0) : 0.0;

    /// <summary>Maps z ≥ 0 monotonically onto [0, 1): z / (z + c).</summary>
    protected static double Squash(double z, double c) => Math.Max(z, 0) / (Math.Max(z, 0) + c);

    protected static string Format(double value) => value.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
}
