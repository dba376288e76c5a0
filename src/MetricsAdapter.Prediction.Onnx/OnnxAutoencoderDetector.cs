using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Prediction.Numerics;
using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Onnx;

/// <summary>
/// An anomaly detector trained offline (an autoencoder from <c>tools/training</c>, or a user's model with the same
/// tensors): the last <see cref="OnnxModelMetadata.Window"/> values are reconstructed by the model, and the error of the
/// reconstruction is the raw score. The raw error is divided by the series' own running variance (so it means the same
/// on any scale), then calibrated online per series: the log of that ratio is compared with its running mean and
/// spread, and the score is <c>max(0, 1 − 2·P(Z &gt; z))</c> — 0 for an ordinary window, 0.9 at z = 1.64, 0.99 at 2.58.
/// The score is 0 until the window is full and the calibration has seen another window of errors.
/// </summary>
public sealed class OnnxAutoencoderDetector : AnomalyDetectorBase
{
    private const double SeriesAlpha = 0.01;
    private const double CalibrationAlpha = 0.02;
    private readonly OnnxModel _model;
    private readonly RingBuffer _window;
    private readonly float[] _row;
    private readonly float[] _reconstruction;
    private double _seriesMean;
    private double _seriesVariance;
    private double _errorMean;
    private double _errorVariance;
    private long _errors;

    public OnnxAutoencoderDetector(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Metadata.Kind != OnnxModelMetadata.Detector)
        {
            throw new OnnxModelException($"{model.Path} is a {model.Metadata.Kind}, not a {OnnxModelMetadata.Detector}");
        }

        _model = model;
        _window = new RingBuffer(model.Metadata.Window);
        _row = new float[model.Metadata.Window];
        _reconstruction = new float[model.Metadata.Window];
    }

    public override string Name => "onnx:" + _model.Metadata.Name;

    /// <summary>The model file this detector runs.</summary>
    public OnnxModel Model => _model;

    public override string StateKey => $"{Name}:{_model.Metadata.Version}:{_model.FileDigest}";

    public override bool IsWarm => _window.IsFull && _errors >= _model.Metadata.Window;

    protected override double Process(double value, bool learn)
    {
        var seriesMean = Observations == 0 ? value : _seriesMean;

        // The series' spread is the one before this value: an anomaly must not widen the yardstick it is measured by.
        var seriesVariance = _seriesVariance;
        var deviation = value - seriesMean;
        var updatedMean = seriesMean + (SeriesAlpha * deviation);
        var full = _window.IsFull || _window.Count + 1 == _window.Capacity;
        if (learn)
        {
            _seriesMean = updatedMean;
            _seriesVariance = (1 - SeriesAlpha) * (_seriesVariance + (SeriesAlpha * deviation * deviation));
            _window.Add(value);
        }

        if (!full)
        {
            return 0;
        }

        // The window as it stands after this value, whether or not the value is kept.
        var skip = learn ? 0 : (_window.IsFull ? 1 : 0);
        var kept = learn ? _row.Length : _row.Length - 1;
        for (var i = 0; i < kept; i++)
        {
            _row[i] = (float)_window[i + skip];
        }

        if (!learn)
        {
            _row[^1] = (float)value;
        }

        _model.Run(_row, 1, _reconstruction);
        var squared = 0.0;
        for (var i = 0; i < _row.Length; i++)
        {
            var error = (i < kept ? _window[i + skip] : value) - _reconstruction[i];
            squared += error * error;
        }

        if (!double.IsFinite(squared))
        {
            // A graph that answers NaN must be quarantined by the service's guard, not poison the calibration for good.
            throw new InvalidOperationException($"{Name}: the model's reconstruction is not finite");
        }

        // A floor on the variance: a flat series must not turn rounding noise into anomalies.
        var floor = 1e-6 + (1e-6 * updatedMean * updatedMean);
        var logRatio = Math.Log((squared / _row.Length / Math.Max(seriesVariance, floor)) + 1e-12);
        var score = 0.0;
        if (_errors >= _model.Metadata.Window)
        {
            var z = (logRatio - _errorMean) / Math.Sqrt(Math.Max(_errorVariance, 1e-6));
            score = Math.Max(0, 1 - (2 * NormalTail.UpperTail(z)));
        }

        if (learn)
        {
            if (_errors == 0)
            {
                _errorMean = logRatio;
            }

            var errorDeviation = logRatio - _errorMean;
            _errorMean += CalibrationAlpha * errorDeviation;
            _errorVariance = (1 - CalibrationAlpha) * (_errorVariance + (CalibrationAlpha * errorDeviation * errorDeviation));
            _errors++;
        }

        return score;
    }

    protected override void WriteModel(StateWriter writer)
    {
        writer.WriteRing(_window);
        writer.Write(_seriesMean);
        writer.Write(_seriesVariance);
        writer.Write(_errorMean);
        writer.Write(_errorVariance);
        writer.Write(_errors);
    }

    protected override void ReadModel(StateReader reader)
    {
        reader.ReadInto(_window);
        _seriesMean = reader.ReadDouble();
        _seriesVariance = reader.ReadDouble();
        _errorMean = reader.ReadDouble();
        _errorVariance = reader.ReadDouble();
        _errors = reader.ReadInt64();
    }
}
