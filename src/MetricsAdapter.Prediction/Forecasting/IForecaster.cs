using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Forecasting;

/// <summary>A forecast: the point estimate and an upper bound (equal to the point unless a quantile wrapper sets it).</summary>
public readonly record struct Forecast(double Point, double Upper);

/// <summary>
/// An online forecaster: learns one observation at a time, in bounded memory, and forecasts any horizon from a
/// cold start. Deterministic: the same observations give the same forecasts.
/// </summary>
/// <remarks>
/// Missing and broken data: a non-finite observation (NaN, ±∞) is treated as a missing step, exactly as
/// <see cref="Skip"/>: the model imputes it with its own one-step forecast, so seasonal phases stay aligned and no
/// error is learned from it. Before the first observation every forecast is 0.
/// </remarks>
public interface IForecaster : IStatefulModel
{
    string Name { get; }

    /// <summary>Observations seen, including skipped steps.</summary>
    long Observations { get; }

    /// <summary>Whether the model has seen enough to forecast as designed (e.g. a full season for Holt-Winters).</summary>
    bool IsWarm { get; }

    void Learn(double value);

    /// <summary>A step with no observation (a gap): advance time, imputing the model's own forecast.</summary>
    void Skip();

    /// <summary>The forecast <paramref name="horizon"/> steps after the last observation (horizon ≥ 1).</summary>
    Forecast Forecast(int horizon);
}

/// <summary>Shared behaviour of the simple models: non-finite values become skips; skips impute the model's own forecast.</summary>
public abstract class ForecasterBase : OnlineModelBase, IForecaster
{
    public void Learn(double value)
    {
        if (!double.IsFinite(value))
        {
            Skip();
            return;
        }

        Absorb(value);
        CountObservation();
    }

    public virtual void Skip()
    {
        Absorb(Point(1));
        CountObservation();
    }

    public Forecast Forecast(int horizon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        var point = Point(horizon);
        return new Forecast(point, point);
    }

    /// <summary>Takes in one finite observation.</summary>
    protected abstract void Absorb(double value);

    /// <summary>The point forecast; 0 before any observation.</summary>
    protected abstract double Point(int horizon);

    protected static string Format(double value) => value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
