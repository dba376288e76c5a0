using MetricsAdapter.Prediction.Forecasting;

namespace MetricsAdapter.Prediction.Evaluation;

/// <summary>How to evaluate: horizon, and optional overrides of what is otherwise inferred from the data.</summary>
/// <param name="Horizon">Steps ahead (2 on 1-minute data = 2 minutes).</param>
/// <param name="Season">Steps per season; default: steps per day at the series' interval.</param>
/// <param name="WarmUp">Forecasts of steps before this index are not scored; default min(2 seasons, max(5, 10% of the steps)).</param>
public sealed record ForecastEvaluationOptions(int Horizon, int? Season = null, int? WarmUp = null);

/// <summary>One model's accuracy on one series.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Scored">Forecasts scored.</param>
/// <param name="Mae">Mean absolute error of the point forecast.</param>
/// <param name="SmapePercent">Symmetric mean absolute percentage error of the point forecast, 0–200.</param>
/// <param name="Mase">MAE over the mean absolute one-step seasonal-naive error of the whole series (&lt; 1 beats it).</param>
/// <param name="PinballLoss">Pinball loss of the upper forecast at the wrapper's τ (of the point forecast for plain models).</param>
/// <param name="UnderForecastRate">Share of scored steps where the actual value exceeded the upper forecast.</param>
public sealed record ModelAccuracy(string Model, int Scored, double Mae, double SmapePercent, double Mase, double PinballLoss, double UnderForecastRate);

/// <summary>All models on one series, side by side: rows read, step, season (steps), the season of the MASE scale
/// (1 when the series is shorter than two seasons), warm-up, gap steps, the MASE scale, and each model's accuracy.</summary>
public sealed record SeriesForecastReport(
    string Name,
    int Rows,
    TimeSpan Interval,
    int Season,
    int ScaleSeason,
    int WarmUp,
    int MissingSteps,
    double Scale,
    IReadOnlyList<ModelAccuracy> Models);

/// <summary>
/// Runs forecasters over a series as a stream (no look-ahead): after each step every model forecasts the value
/// <c>horizon</c> steps on, and that forecast is scored when the value arrives. Missing timestamps are gaps: the
/// models skip them (so seasons stay aligned) and nothing is scored there.
/// </summary>
/// <summary>A model evaluated beside the built-in ones: its name in the table, a factory, and the quantile its upper forecast stands for.</summary>
public sealed record ExtraForecaster(string Name, Func<IForecaster> Create, double UpperQuantile);

public static class ForecastEvaluation
{
    /// <summary>The models compared, in report order; the last is the default behind predicted_load.</summary>
    public static IReadOnlyList<string> Models { get; } = Forecasters.Names;

    public static SeriesForecastReport Evaluate(TimeSeries series, ForecastEvaluationOptions options, IProgress<string>? progress = null) =>
        Evaluate(series, options, [], progress);

    /// <summary>The built-in models, then <paramref name="extra"/> ones (e.g. ONNX models) in the same table.</summary>
    /// <param name="series">The series, read as a stream.</param>
    /// <param name="options">Horizon, season and warm-up.</param>
    /// <param name="extra">Further models: a name for the table, a factory, and the quantile of their upper forecast.</param>
    /// <param name="progress">One line per model.</param>
    public static SeriesForecastReport Evaluate(TimeSeries series, ForecastEvaluationOptions options, IReadOnlyList<ExtraForecaster> extra, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(extra);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Horizon, 1);
        var interval = series.Interval();
        var season = options.Season ?? Math.Max(1, (int)Math.Round(TimeSpan.FromDays(1) / interval));
        var grid = Grid(series, interval, out var missing);
        var steps = grid.Length;
        var warmUp = options.WarmUp ?? Math.Min(2 * season, Math.Max(5, steps / 10));
        var scaleSeason = ObservedSteps(grid) >= 2 * season ? season : 1;
        var scale = Scale(grid, scaleSeason);

        var results = new List<ModelAccuracy>();
        var models = Models.Select(name => new ExtraForecaster(name, () => Forecasters.Create(name, season, options.Horizon), double.NaN)).Concat(extra);
        foreach (var (name, create, upperQuantile) in models)
        {
            progress?.Report($"{series.Name}: {name}");
            var model = create();
            var tau = model is QuantileForecaster quantile ? quantile.Tau : double.IsNaN(upperQuantile) ? 0.5 : upperQuantile;
            var issued = new Forecast?[steps];
            for (var t = 0; t < steps; t++)
            {
                if (grid[t] is { } value)
                {
                    model.Learn(value);
                }
                else
                {
                    model.Skip();
                }

                if (t + options.Horizon < steps)
                {
                    issued[t + options.Horizon] = model.Forecast(options.Horizon);
                }
            }

            results.Add(Score(name, grid, issued, warmUp, scale, tau));
        }

        return new SeriesForecastReport(series.Name, series.Count, interval, season, scaleSeason, warmUp, missing, scale, results);
    }

    /// <summary>
    /// Values on a regular grid of the series' interval; null where a timestamp is missing. A gap longer than a
    /// week of steps is shortened to a week: beyond that no seasonal phase is worth keeping, and memory is bounded.
    /// </summary>
    internal static double?[] Grid(TimeSeries series, TimeSpan interval, out int missing)
    {
        var grid = new List<double?>(series.Count) { series.Values[0] };
        var longestGap = Math.Max(1, (int)Math.Min(int.MaxValue / 4, TimeSpan.FromDays(7) / interval));
        missing = 0;
        for (var i = 1; i < series.Count; i++)
        {
            var gap = (int)Math.Min(longestGap, Math.Round((series.Timestamps[i] - series.Timestamps[i - 1]) / interval) - 1);
            for (var k = 0; k < gap; k++)
            {
                grid.Add(null);
                missing++;
            }

            grid.Add(series.Values[i]);
        }

        return [.. grid];
    }

    private static int ObservedSteps(double?[] grid) => grid.Count(v => v.HasValue);

    /// <summary>Mean |y(t) − y(t−m)| over every t where both are observed: the in-sample seasonal-naive error.</summary>
    private static double Scale(double?[] grid, int season)
    {
        var sum = 0.0;
        var count = 0;
        for (var t = season; t < grid.Length; t++)
        {
            if (grid[t] is { } now && grid[t - season] is { } before)
            {
                sum += Math.Abs(now - before);
                count++;
            }
        }

        return count == 0 || sum == 0 ? 1.0 : sum / count;
    }

    private static ModelAccuracy Score(string name, double?[] grid, Forecast?[] issued, int warmUp, double scale, double tau)
    {
        double absolute = 0, symmetric = 0, pinball = 0;
        var under = 0;
        var scored = 0;
        for (var t = warmUp; t < grid.Length; t++)
        {
            if (grid[t] is not { } actual || issued[t] is not { } forecast)
            {
                continue;
            }

            scored++;
            absolute += Math.Abs(actual - forecast.Point);
            var denominator = Math.Abs(actual) + Math.Abs(forecast.Point);
            symmetric += denominator == 0 ? 0 : 2 * Math.Abs(actual - forecast.Point) / denominator;
            var gap = actual - forecast.Upper;
            pinball += gap >= 0 ? tau * gap : (tau - 1) * gap;
            under += actual > forecast.Upper ? 1 : 0;
        }

        if (scored == 0)
        {
            return new ModelAccuracy(name, 0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var mae = absolute / scored;
        return new ModelAccuracy(name, scored, mae, 100 * symmetric / scored, mae / scale, pinball / scored, (double)under / scored);
    }
}
