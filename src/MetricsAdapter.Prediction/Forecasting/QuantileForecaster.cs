using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Forecasting;

/// <summary>
/// Makes any forecaster conservative: <see cref="Forecast.Upper"/> = point + the τ-quantile of its recent
/// residuals at the horizon. Residuals (actual − forecast, positive when it under-forecast) are normalised by an
/// EWMA of their size, so the margin follows the current volatility rather than last week's. The quantile is the
/// conformal order statistic ⌈(n+1)τ⌉ of the last N; with too few residuals for that (fewer than 9 at τ = 0.9)
/// the margin is max + (max − min), deliberately generous.
/// </summary>
public sealed class QuantileForecaster : IForecaster
{
    private readonly IForecaster _inner;
    private readonly int _horizon;
    private readonly double _tau;
    private readonly double _lambda;
    private readonly SortedWindow _residuals;
    private readonly Queue<double> _pending = new();
    private double? _scale;

    public QuantileForecaster(IForecaster inner, int horizon, double tau = 0.9, int capacity = 1000, double lambda = 0.05)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(tau, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(tau, 1);
        (_inner, _horizon, _tau, _lambda) = (inner, horizon, tau, lambda);
        _residuals = new SortedWindow(capacity);
    }

    public string Name => _inner.Name;

    public string StateKey => $"quantile(h={_horizon},tau={_tau},n={_residuals.Capacity},lambda={_lambda})[{_inner.StateKey}]";

    public double Tau => _tau;

    public long Observations => _inner.Observations;

    /// <summary>Warm when the inner model is and the quantile rests on enough residuals to be an order statistic.</summary>
    public bool IsWarm => _inner.IsWarm && OrderIndex(_residuals.Count) <= _residuals.Count;

    public void Learn(double value)
    {
        if (!double.IsFinite(value))
        {
            Skip();
            return;
        }

        if (_pending.Count == _horizon)
        {
            var residual = value - _pending.Dequeue();
            if (_scale is not { } scale)
            {
                _scale = Math.Abs(residual) > 0 ? Math.Abs(residual) : 1.0;
                _residuals.Add(residual / _scale.Value);
            }
            else
            {
                _residuals.Add(residual / scale);
                _scale = Math.Max(scale + (_lambda * (Math.Abs(residual) - scale)), 1e-9);
            }
        }

        _inner.Learn(value);
        _pending.Enqueue(_inner.Forecast(_horizon).Point);
    }

    public void Skip()
    {
        _inner.Skip();
        _pending.Clear();
        _pending.Enqueue(_inner.Forecast(_horizon).Point);
    }

    public Forecast Forecast(int horizon)
    {
        var point = _inner.Forecast(horizon).Point;
        return new Forecast(point, point + Margin());
    }

    /// <summary>The current margin added to the point forecast.</summary>
    public double Margin()
    {
        var n = _residuals.Count;
        if (n == 0)
        {
            return 0.0;
        }

        var k = OrderIndex(n);
        var quantile = k > n ? _residuals[n - 1] + (_residuals[n - 1] - _residuals[0]) : _residuals[k - 1];
        return quantile * (_scale ?? 1.0);
    }

    /// <summary>The 1-based order statistic that estimates the τ quantile of <paramref name="n"/> residuals.</summary>
    private int OrderIndex(int n) => (int)Math.Ceiling((n + 1) * _tau);

    public void WriteState(StateWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNullable(_scale);
        _residuals.WriteState(writer);
        writer.WriteDoubles(_pending.ToArray());
        _inner.WriteState(writer);
    }

    public void ReadState(StateReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        _scale = reader.ReadNullableDouble();
        _residuals.ReadState(reader);
        _pending.Clear();
        foreach (var forecast in reader.ReadDoubles())
        {
            _pending.Enqueue(forecast);
        }

        _inner.ReadState(reader);
    }
}
