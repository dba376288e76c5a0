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

    /// <summary>
    /// Brings <paramref name="requester"/>'s outputs up to date, and every other stale forecaster's with it. A chunk
    /// that fails is run again row by row, so that only the forecasters whose own windows fail see the failure (and
    /// are quarantined by their service's guard); nothing stays queued after a refresh.
    /// </summary>
    internal void Refresh(OnnxForecaster requester)
    {
        lock (_gate)
        {
            if (!requester.Queued)
            {
                return;
            }

            var stale = _stale.ToArray();
            _stale.Clear();
            foreach (var forecaster in stale)
            {
                forecaster.Queued = false;
            }

            var window = Model.Metadata.Window;
            var columns = Model.OutputColumns;
            for (var start = 0; start < stale.Length; start += MaxBatch)
            {
                var batch = Math.Min(MaxBatch, stale.Length - start);
                if (_rows.Length < batch * window)
                {
                    (_rows, _outputs) = (new float[batch * window], new float[batch * columns]);
                }

                for (var i = 0; i < batch; i++)
                {
                    stale[start + i].CopyWindow(_rows.AsSpan(i * window, window));
                }

                try
                {
                    Model.Run(_rows, batch, _outputs);
                    Batches++;
                    Rows += batch;
                    for (var i = 0; i < batch; i++)
                    {
                        stale[start + i].Accept(_outputs.AsSpan(i * columns, columns));
                    }
                }
#pragma warning disable CA1031 // A failed batch is retried row by row: one bad window must not fail every service.
                catch (Exception)
#pragma warning restore CA1031
                {
                    for (var i = 0; i < batch; i++)
                    {
                        RunAlone(stale[start + i], window, columns);
                    }
                }
            }
        }
    }

    private void RunAlone(OnnxForecaster forecaster, int window, int columns)
    {
        try
        {
            forecaster.CopyWindow(_rows.AsSpan(0, window));
            Model.Run(_rows, 1, _outputs);
            Batches++;
            Rows++;
            forecaster.Accept(_outputs.AsSpan(0, columns));
        }
#pragma warning disable CA1031 // The failure belongs to this forecaster: its next forecast throws it, and its service's guard quarantines it.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            forecaster.Fail(exception);
        }
    }
}
