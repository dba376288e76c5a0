using MetricsAdapter.Prediction.Forecasting;
using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Onnx;

/// <summary>
/// A forecaster trained offline (an LSTM from <c>tools/training</c>, or a user's model with the same tensors): it keeps
/// the last <see cref="OnnxModelMetadata.Window"/> values and asks the model, through the shared
/// <see cref="OnnxForecastBatcher"/>, for the value <see cref="OnnxModelMetadata.Horizon"/> steps ahead at its quantiles.
/// The graph normalises each window itself, so one model serves services of any scale.
/// </summary>
/// <remarks>
/// Point = the quantile nearest the median, upper = the highest quantile (never below the point). Horizons below the
/// model's are interpolated from the last value to the model's forecast; horizons above it are the model's forecast.
/// Until the window is full the oldest value pads it (the forecaster says it is not warm). Request rates are never
/// negative: so are the forecasts. A non-finite observation is a missing step, imputed with the one-step forecast.
/// </remarks>
public sealed class OnnxForecaster : OnlineModelBase, IForecaster
{
    private readonly OnnxForecastBatcher _batcher;
    private readonly RingBuffer _window;
    private readonly float[] _outputs;
    private readonly int _pointColumn;
    private readonly int _upperColumn;
    private bool _hasOutputs;
    private Exception? _failure;

    /// <param name="batcher">The shared model and its batcher.</param>
    /// <param name="upperQuantile">The quantile served as the upper forecast: the model's column nearest it. Default: its highest.</param>
    public OnnxForecaster(OnnxForecastBatcher batcher, double? upperQuantile = null)
    {
        ArgumentNullException.ThrowIfNull(batcher);
        _batcher = batcher;
        var metadata = batcher.Model.Metadata;
        _window = new RingBuffer(metadata.Window);
        _outputs = new float[metadata.Quantiles.Count];
        var quantiles = metadata.Quantiles;
        _pointColumn = Enumerable.Range(0, quantiles.Count).MinBy(i => Math.Abs(quantiles[i] - 0.5));
        _upperColumn = upperQuantile is { } wanted
            ? Enumerable.Range(0, quantiles.Count).MinBy(i => Math.Abs(quantiles[i] - wanted))
            : Enumerable.Range(0, quantiles.Count).MaxBy(i => quantiles[i]);
    }

    public override string Name => "onnx:" + _batcher.Model.Metadata.Name;

    /// <summary>The model file this forecaster runs.</summary>
    public OnnxModel Model => _batcher.Model;

    /// <summary>
    /// What a snapshot holds is the window of raw values, which does not depend on the model: a new model file (same
    /// window) restores it and forecasts at once instead of starting cold.
    /// </summary>
    public override string StateKey => $"onnx-window:{_batcher.Model.Metadata.Window}";

    public override bool IsWarm => _window.IsFull;

    /// <summary>Whether the batcher still has to run this forecaster's window.</summary>
    internal bool Queued { get; set; }

    public void Learn(double value)
    {
        if (!double.IsFinite(value))
        {
            Skip();
            return;
        }

        _window.Add(value);
        CountObservation();
        _batcher.MarkStale(this);
    }

    public void Skip()
    {
        if (_window.Count > 0)
        {
            _window.Add(Forecast(1).Point);
            _batcher.MarkStale(this);
        }

        CountObservation();
    }

    public Forecast Forecast(int horizon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        if (_window.Count == 0)
        {
            return new Forecast(0, 0);
        }

        _batcher.Refresh(this);
        if (_failure is { } failure)
        {
            _failure = null;
            throw new InvalidOperationException($"{Name}: the model failed on this service's window: {failure.Message}", failure);
        }

        var point = Math.Max(0, (double)_outputs[_pointColumn]);
        var upper = Math.Max(point, _outputs[_upperColumn]);
        var modelHorizon = _batcher.Model.Metadata.Horizon;
        if (horizon >= modelHorizon)
        {
            return new Forecast(point, upper);
        }

        var last = _window.Newest;
        var share = horizon / (double)modelHorizon;
        var nearPoint = Math.Max(0, last + ((point - last) * share));
        return new Forecast(nearPoint, Math.Max(nearPoint, last + ((upper - last) * share)));
    }

    /// <summary>The window as the model takes it, oldest first; the oldest value pads a window not yet full.</summary>
    internal void CopyWindow(Span<float> row)
    {
        var pad = row.Length - _window.Count;
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = (float)_window[Math.Max(0, i - pad)];
        }
    }

    internal void Accept(ReadOnlySpan<float> outputs)
    {
        outputs.CopyTo(_outputs);
        _hasOutputs = true;
    }

    internal void Fail(Exception failure) => _failure = failure;

    protected override void WriteModel(StateWriter writer) => writer.WriteRing(_window);

    protected override void ReadModel(StateReader reader)
    {
        reader.ReadInto(_window);
        _hasOutputs = false;
        if (_window.Count > 0)
        {
            _batcher.MarkStale(this);
        }
    }

    public override string ToString() => $"{Name} {(_hasOutputs ? "forecast" : "no forecast yet")}";
}
