using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Detection;

/// <summary>
/// An online anomaly detector: scores each observation against what it has learned from the past, then learns it.
/// Scores are in [0, 1]; 0 during warm-up. Deterministic for a given seed.
/// </summary>
/// <remarks>
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

    double ScoreAndLearn(double value);
}

/// <summary>Shared behaviour: non-finite values score 0 untouched; scores are clamped to [0, 1].</summary>
public abstract class AnomalyDetectorBase : OnlineModelBase, IAnomalyDetector
{
    public double ScoreAndLearn(double value)
    {
        if (!double.IsFinite(value))
        {
            return 0.0;
        }

        var score = Process(value);
        CountObservation();
        return double.IsFinite(score) ? Math.Clamp(score, 0.0, 1.0) : 0.0;
    }

    /// <summary>Scores one finite value from the past only, then takes it in.</summary>
    protected abstract double Process(double value);

    /// <summary>Maps z ≥ 0 monotonically onto [0, 1): z / (z + c).</summary>
    protected static double Squash(double z, double c) => Math.Max(z, 0) / (Math.Max(z, 0) + c);

    protected static string Format(double value) => value.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
}
