namespace MetricsAdapter.Prediction.Forecasting;

/// <summary>
/// The forecasters by name, and the default behind <c>predicted_load</c>.
/// </summary>
/// <remarks>
/// The default is <see cref="BlendForecaster"/> over seven simple online models, wrapped in a
/// <see cref="QuantileForecaster"/> at τ = 0.9. Why: at the short horizons that cover pod start-up, filtering noise
/// matters most on minute data (exponential smoothing beats seasonal naive by half), trends matter during ramps,
/// and seasonality matters on coarser data. No single model wins everywhere on the real traces we measured
/// (BENCHMARKS.md); the error-weighted blend does, from a cold start, and the quantile keeps under-forecasts rare.
/// </remarks>
public static class Forecasters
{
    public const string Default = "default";

    public static IReadOnlyList<string> Names { get; } =
        ["last-value", "seasonal-naive", "ses", "holt", "holt-winters", "double-seasonal", Default];

    /// <summary>A forecaster by name. <paramref name="season"/> is steps per day (1440 at 1-minute samples).</summary>
    public static IForecaster Create(string name, int season, int horizon) => name switch
    {
        "last-value" => new LastValueForecaster(),
        "seasonal-naive" => new SeasonalNaiveForecaster(season),
        "ses" => new SimpleExponentialSmoothing(0.1),
        "holt" => new HoltForecaster(0.3, 0.1, 0.9),
        "holt-winters" => new HoltWintersForecaster(season, 0.3, 0.05, 0.1),
        "double-seasonal" => new DoubleSeasonalForecaster(season, 7 * season, 0.2, 0.1, 0.05),
        Default => CreateDefault(season, horizon),
        _ => throw new ArgumentException($"unknown forecaster \"{name}\"; known: {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>The default: the error-weighted blend, upper 0.9 quantile.</summary>
    public static QuantileForecaster CreateDefault(int season, int horizon, double tau = 0.9) =>
        new(
            new BlendForecaster(
                [
                    new LastValueForecaster(),
                    new SimpleExponentialSmoothing(0.1),
                    new SimpleExponentialSmoothing(0.5),
                    new HoltForecaster(0.3, 0.1, 0.9),
                    new HoltForecaster(0.5, 0.1, 0.9),
                    new HoltWintersForecaster(season, 0.2, 0.0, 0.1),
                    new DoubleSeasonalForecaster(season, 7 * season, 0.2, 0.1, 0.05),
                ],
                horizon,
                lambda: 0.05,
                eta: 20),
            horizon,
            tau);
}
