namespace MetricsAdapter.Prediction.Onnx;

/// <summary>
/// Batches one model's forecasts across every service that uses it. A forecaster that learns marks itself stale; the
/// first forecast asked of any stale forecaster runs one batch for all of them (in chunks of <see cref="MaxBatch"/>
/// rows), so the decision manager's tick, which learns every service and then forecasts every service, costs one
/// ONNX Runtime call per chunk instead of one per service — without the decision manager knowing.
/// </summary>
public sealed class OnnxForecastBatcher(OnnxModel model, int maxBatch = 1024)
{
    private readonly Lock _gate = new();
    private readonly List<OnnxForecaster> _stale = [];
    private float[] _rows = [];
    private float[] _outputs = [];

    public OnnxModel Model { get; } = model;

    public int MaxBatch { get; } = maxBatch;

    /// <summary>Batches run, and rows in them (the ratio is the batch size achieved).</summary>
    public long Batches { get; private set; }

    public long Rows { get; private set; }

    internal void MarkStale(OnnxForecaster forecaster)
    {
        lock (_gate)
        {
            if (!forecaster.Queued)
            {
                forecaster.Queued = true;
                _stale.Add(forecaster);
            }
        }
    }

    /// <summary>Brings <paramref name="requester"/>'s outputs up to date, and every other stale forecaster's with it.</summary>
    internal void Refresh(OnnxForecaster requester)
    {
        lock (_gate)
        {
            if (!requester.Queued)
            {
                return;
            }

            var window = Model.Metadata.Window;
            var columns = Model.OutputColumns;
            for (var start = 0; start < _stale.Count; start += MaxBatch)
            {
                var batch = Math.Min(MaxBatch, _stale.Count - start);
                if (_rows.Length < batch * window)
                {
                    (_rows, _outputs) = (new float[batch * window], new float[batch * columns]);
                }

                for (var i = 0; i < batch; i++)
                {
                    _stale[start + i].CopyWindow(_rows.AsSpan(i * window, window));
                }

                Model.Run(_rows, batch, _outputs);
                Batches++;
                Rows += batch;
                for (var i = 0; i < batch; i++)
                {
                    var forecaster = _stale[start + i];
                    forecaster.Accept(_outputs.AsSpan(i * columns, columns));
                    forecaster.Queued = false;
                }
            }

            _stale.Clear();
        }
    }
}
