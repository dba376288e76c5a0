namespace MetricsAdapter.Prediction.Onnx;

/// <summary>
/// Model files, each loaded once and shared by every service that names it (one session per model, and one batcher
/// per forecaster model, so a tick's forecasts of all those services run as one batch). A refused file is remembered
/// with its reason and not retried: the caller serves its statistical default instead. Thread-safe.
/// </summary>
public sealed class OnnxModelCatalog : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private readonly List<(string Path, string Reason)> _unusable = [];

    /// <summary>The files refused so far, with the reason: at load, or by their user (<see cref="NoteUnusable"/>).</summary>
    public IReadOnlyList<(string Path, string Reason)> Refused
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries.Where(e => e.Value.Error is not null).Select(e => (e.Key[(e.Key.IndexOf(':', StringComparison.Ordinal) + 1)..], e.Value.Error!)), .. _unusable];
            }
        }
    }

    /// <summary>Records that a model which loaded does not fit where it was configured (another step, a shorter horizon).</summary>
    public void NoteUnusable(string path, string reason)
    {
        lock (_gate)
        {
            if (!_unusable.Contains((path, reason)))
            {
                _unusable.Add((path, reason));
            }
        }
    }

    public bool TryGetForecaster(string path, out OnnxForecastBatcher? batcher, out string? error)
    {
        var entry = Get(path, OnnxModelMetadata.Forecaster);
        (batcher, error) = (entry.Batcher, entry.Error);
        return batcher is not null;
    }

    public bool TryGetDetector(string path, out OnnxModel? model, out string? error)
    {
        var entry = Get(path, OnnxModelMetadata.Detector);
        (model, error) = (entry.Model, entry.Error);
        return model is not null;
    }

    private Entry Get(string path, string kind)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return new Entry(null, null, "an empty model path names no file");
        }

        var key = kind + ":" + Path.GetFullPath(path);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                return entry;
            }

            try
            {
                var model = OnnxModel.Load(path, kind);
                entry = new Entry(model, kind == OnnxModelMetadata.Forecaster ? new OnnxForecastBatcher(model) : null, null);
            }
            catch (Exception exception) when (exception is OnnxModelException or DllNotFoundException or TypeInitializationException or BadImageFormatException)
            {
                // A native library missing on this platform is a refusal too: the statistical default serves.
                entry = new Entry(null, null, exception.Message);
            }

            _entries.Add(key, entry);
            return entry;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var entry in _entries.Values)
            {
                entry.Model?.Dispose();
            }

            _entries.Clear();
        }
    }

    private sealed record Entry(OnnxModel? Model, OnnxForecastBatcher? Batcher, string? Error);
}
