using BenchmarkDotNet.Attributes;
using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Prediction.Forecasting;
using MetricsAdapter.Prediction.Onnx;
using MetricsAdapter.Bench.Models;

if (args.Contains("--onnx-memory"))
{
    // Resident memory a loaded model adds to the process (ONNX Runtime's is native: the GC does not see it).
    foreach (var name in new[] { "forecaster-lstm.onnx", "detector-autoencoder.onnx" })
    {
        var before = ResidentKilobytes();
        using var model = OnnxModel.Load(ShippedModels.Path(name));
        var rows = new float[64 * model.Metadata.Window];
        var output = new float[64 * model.OutputColumns];
        model.Run(rows, 64, output);
        Console.WriteLine($"{name}: +{(ResidentKilobytes() - before) / 1024.0:0.0} MB resident after load and one batch of 64 (first model loaded also brings ONNX Runtime itself)");
    }

    return;
}

MetricsAdapter.Bench.InProcessBenchmarks.Run(typeof(ForecasterBenchmarks), args);

static long ResidentKilobytes() =>
    long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);

namespace MetricsAdapter.Bench.Models
{
/// <summary>A realistic stream: a day-periodic request rate at 1-minute samples with noise and bursts.</summary>
internal static class Workload
{
    public const int Season = 1440;
    public const int Length = 4096;

    public static double[] Values(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 3 * Season + Length).Select(t =>
            200 + (120 * Math.Sin(2 * Math.PI * t / Season)) + (random.NextDouble() * 30) + (t % 700 < 15 ? 400 : 0)).ToArray();
    }
}

/// <summary>One observation learned and one 2-step forecast made, per operation, after three days of warm-up.</summary>
[MemoryDiagnoser]
public class ForecasterBenchmarks
{
    private double[] _stream = [];
    private IForecaster _model = null!;

    [Params("ses", "holt", "holt-winters", "double-seasonal", "default")]
    public string Model { get; set; } = "default";

    [GlobalSetup]
    public void Setup()
    {
        var values = Workload.Values(1);
        _model = Forecasters.Create(Model, Workload.Season, horizon: 2);
        foreach (var value in values.AsSpan(0, 3 * Workload.Season))
        {
            _model.Learn(value);
        }

        _stream = values[(3 * Workload.Season)..];
    }

    [Benchmark(OperationsPerInvoke = Workload.Length)]
    public double LearnAndForecast()
    {
        var sum = 0.0;
        foreach (var value in _stream)
        {
            _model.Learn(value);
            sum += _model.Forecast(2).Upper;
        }

        return sum;
    }
}

/// <summary>One observation scored and learned (or only scored) per operation, after warm-up (Isolation Forest: retraining amortised in).</summary>
[MemoryDiagnoser]
public class DetectorBenchmarks
{
    private double[] _stream = [];
    private IAnomalyDetector _detector = null!;

    private OnnxModel? _onnx;

    [Params("ewma-z", "cusum", "robust-z", "mcl", "mcl-v1", "isolation-forest", "onnx-autoencoder")]
    public string Detector { get; set; } = "mcl";

    [GlobalSetup]
    public void Setup()
    {
        var values = Workload.Values(2);
        if (Detector == "onnx-autoencoder")
        {
            // One model run per observation: the shipped autoencoder (tools/training/models).
            _onnx = OnnxModel.Load(ShippedModels.Path("detector-autoencoder.onnx"), OnnxModelMetadata.Detector);
            _detector = new OnnxAutoencoderDetector(_onnx);
        }
        else
        {
            _detector = Detectors.Create(Detector, seed: 1);
        }

        foreach (var value in values.AsSpan(0, 3 * Workload.Season))
        {
            _detector.ScoreAndLearn(value);
        }

        _stream = values[(3 * Workload.Season)..];
    }

    [GlobalCleanup]
    public void Cleanup() => _onnx?.Dispose();

    [Benchmark(OperationsPerInvoke = Workload.Length)]
    public double ScoreAndLearn()
    {
        var sum = 0.0;
        foreach (var value in _stream)
        {
            sum += _detector.ScoreAndLearn(value);
        }

        return sum;
    }

    /// <summary>Scoring alone, as a shadow model or a caller that withholds anomalies from learning pays it.</summary>
    [Benchmark(OperationsPerInvoke = Workload.Length)]
    public double Score()
    {
        var sum = 0.0;
        foreach (var value in _stream)
        {
            sum += _detector.Score(value);
        }

        return sum;
    }
}

/// <summary>The shipped ONNX models (tools/training/models), found from the working directory upwards.</summary>
internal static class ShippedModels
{
    public static string Path(string name)
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = System.IO.Path.Combine(directory.FullName, "tools", "training", "models", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("tools/training/models/" + name + " not found above " + Environment.CurrentDirectory);
    }
}

/// <summary>
/// Per service per tick, side by side: every service learns one observation and is forecast 2 steps ahead, for
/// <see cref="Services"/> services sharing one model — the statistical default (one model per service), and the ONNX
/// LSTM (one session, the services' windows batched into one call per tick). The cost per operation is per service.
/// </summary>
[MemoryDiagnoser]
public class ForecastPerServiceBenchmarks
{
    private const int Ticks = 16;
    private double[] _stream = [];
    private IForecaster[] _models = [];
    private OnnxModel? _onnx;

    [Params(1, 64, 1024)]
    public int Services { get; set; } = 64;

    [Params("default", "onnx-lstm")]
    public string Model { get; set; } = "default";

    [GlobalSetup]
    public void Setup()
    {
        _stream = Workload.Values(3);
        OnnxForecastBatcher? batcher = null;
        if (Model == "onnx-lstm")
        {
            _onnx = OnnxModel.Load(ShippedModels.Path("forecaster-lstm.onnx"), OnnxModelMetadata.Forecaster);
            batcher = new OnnxForecastBatcher(_onnx);
        }

        _models = Enumerable.Range(0, Services)
            .Select(_ => batcher is null ? (IForecaster)Forecasters.Create(Forecasters.Default, Workload.Season, 2) : new OnnxForecaster(batcher))
            .ToArray();
        for (var t = 0; t < 3 * Workload.Season; t++)
        {
            foreach (var model in _models)
            {
                model.Learn(_stream[t]);
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _onnx?.Dispose();

    [Benchmark]
    public double LearnAndForecastEveryService()
    {
        var sum = 0.0;
        for (var tick = 0; tick < Ticks; tick++)
        {
            var value = _stream[(3 * Workload.Season) + tick];
            foreach (var model in _models)
            {
                model.Learn(value);
            }

            foreach (var model in _models)
            {
                sum += model.Forecast(2).Upper;
            }
        }

        return sum;
    }
}

/// <summary>Loading a model file into a session, and what one loaded model holds in memory (the GC's view and the process's).</summary>
public class OnnxLoadBenchmarks
{
    [Params("forecaster-lstm.onnx", "detector-autoencoder.onnx")]
    public string File { get; set; } = "forecaster-lstm.onnx";

    [Benchmark]
    public long Load()
    {
        using var model = OnnxModel.Load(ShippedModels.Path(File));
        return model.Metadata.Window;
    }
}
}
