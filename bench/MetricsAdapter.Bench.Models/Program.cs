using BenchmarkDotNet.Attributes;
using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Prediction.Forecasting;
using MetricsAdapter.Bench.Models;

MetricsAdapter.Bench.InProcessBenchmarks.Run(typeof(ForecasterBenchmarks), args);

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

/// <summary>One observation scored and learned per operation, after warm-up (Isolation Forest: retraining amortised in).</summary>
[MemoryDiagnoser]
public class DetectorBenchmarks
{
    private double[] _stream = [];
    private IAnomalyDetector _detector = null!;

    [Params("ewma-z", "cusum", "robust-z", "mcl", "isolation-forest")]
    public string Detector { get; set; } = "mcl";

    [GlobalSetup]
    public void Setup()
    {
        var values = Workload.Values(2);
        _detector = Detectors.Create(Detector, seed: 1);
        foreach (var value in values.AsSpan(0, 3 * Workload.Season))
        {
            _detector.ScoreAndLearn(value);
        }

        _stream = values[(3 * Workload.Season)..];
    }

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
}
}
