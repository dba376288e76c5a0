using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Prediction.Forecasting;
using MetricsAdapter.Prediction.State;
using MetricsAdapter.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetricsAdapter.Decisions.Tests;

/// <summary>
/// A decision manager on a manual clock, fed through the wire format as the bus feeds it: pods report, the clock
/// moves, ticks decide. Models come from a factory the test controls.
/// </summary>
internal sealed class DecisionHarness : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<string, long> _sequences = new(StringComparer.Ordinal);

    public DecisionHarness(DecisionOptions? options = null, IServiceModelFactory? models = null)
    {
        Options = options ?? new DecisionOptions();
        Meters = new TestMeterFactory();
        Recorder = new MeasurementRecorder(Meters);
        Models = models ?? new DefaultServiceModelFactory(Options);
        Manager = new DecisionManager(Microsoft.Extensions.Options.Options.Create(Options), Models, Clock, new DecisionTelemetry(Meters), NullLogger<DecisionManager>.Instance);
    }

    public ManualTimeProvider Clock { get; } = new(Start);

    public DecisionOptions Options { get; }

    public IServiceModelFactory Models { get; }

    public TestMeterFactory Meters { get; }

    public MeasurementRecorder Recorder { get; }

    public DecisionManager Manager { get; }

    public static ServiceKey Checkout { get; } = ServiceKey.Create("shop", "checkout");

    /// <summary>One observation of <paramref name="pod"/> for the 5 s ending now, through the JSON wire format.</summary>
    public IngestReport Report(string pod, double requestsPerSecond, LatencyHistogram? latency = null, ServiceKey? service = null, double score = 0, params string[] flags)
    {
        var key = service ?? Checkout;
        var sequence = _sequences.GetValueOrDefault(pod);
        _sequences[pod] = sequence + 1;
        var now = Clock.GetUtcNow();
        var observation = new Observation
        {
            Service = key,
            Pod = pod,
            Start = now - TimeSpan.FromSeconds(5),
            End = now,
            Requests = requestsPerSecond * 5,
            Latency = latency,
            PodAnomalyScore = score,
            Sequence = sequence,
            Flags = flags,
        };
        return Manager.Ingest(System.Text.Encoding.UTF8.GetBytes(key.ToString()), ObservationJson.Serialize(observation), now, new RecordOrigin("test", -1, 0));
    }

    /// <summary>Pods report every 5 s at the given rates until the next tick, then it decides.</summary>
    public IReadOnlyList<Decision> RunTick(IReadOnlyDictionary<string, double> podRates, LatencyHistogram? latency = null)
    {
        var next = Manager.NextTick(Clock.GetUtcNow());
        while (Clock.GetUtcNow() + TimeSpan.FromSeconds(5) <= next)
        {
            Clock.Advance(TimeSpan.FromSeconds(5));
            foreach (var (pod, rate) in podRates)
            {
                Report(pod, rate, latency);
            }
        }

        Clock.Advance(next - Clock.GetUtcNow());
        return Decide();
    }

    /// <summary>Moves to the next tick without any observation, then decides.</summary>
    public IReadOnlyList<Decision> SilentTick()
    {
        Clock.Advance(Manager.NextTick(Clock.GetUtcNow()) - Clock.GetUtcNow());
        return Decide();
    }

    public IReadOnlyList<Decision> Decide()
    {
        var decisions = Manager.Tick(Clock.GetUtcNow());
        Manager.Served(decisions, Clock.GetUtcNow());
        return decisions;
    }

    public static Decision Load(IReadOnlyList<Decision> decisions) => Assert.Single(decisions, d => d.Key.Metric == MetricNames.PredictedLoad);

    public static Decision Score(IReadOnlyList<Decision> decisions) => Assert.Single(decisions, d => d.Key.Metric == MetricNames.LatencyAnomalyScore);

    /// <summary>A histogram of <paramref name="requests"/> all slower than <paramref name="bucket"/>'s predecessor.</summary>
    public static LatencyHistogram Latency(double requests, int bucket)
    {
        double[] bounds = [0.01, 0.05, 0.1, 0.5, 1, double.PositiveInfinity];
        var counts = bounds.Select((_, i) => i >= bucket ? requests : 0).ToArray();
        return new LatencyHistogram(bounds, counts, requests * bounds[Math.Min(bucket, bounds.Length - 2)], requests);
    }

    public void Dispose()
    {
        Recorder.Dispose();
        Meters.Dispose();
    }
}

/// <summary>Models the test scripts: a forecaster warm at once that forecasts what it is told, or fails as told.</summary>
internal sealed class ScriptedModels(DecisionOptions options) : IServiceModelFactory
{
    private readonly DefaultServiceModelFactory _defaults = new(options);

    public Func<IForecaster> Forecaster { get; set; } = () => new ScriptedForecaster(100, 120);

    public Func<IAnomalyDetector> Detector { get; set; } = () => new ScriptedDetector(0.25);

    public int ForecastersCreated { get; private set; }

    public IForecaster CreateForecaster(ServiceKey service)
    {
        ForecastersCreated++;
        return Forecaster();
    }

    public IAnomalyDetector CreateDetector(ServiceKey service) => Detector();

    public ModelIdentity Describe(IStatefulModel model) => _defaults.Describe(model);
}

internal sealed class ScriptedForecaster(double point, double upper, bool warm = true, Exception? fault = null, bool nan = false) : IForecaster
{
    public string Name => "scripted";

    public string StateKey => $"scripted({point},{upper})";

    public long Observations { get; private set; }

    public bool IsWarm => warm;

    public void Learn(double value)
    {
        Observations++;
        if (fault is not null)
        {
            throw fault;
        }
    }

    public void Skip() => Observations++;

    public Forecast Forecast(int horizon) => nan ? new Forecast(double.NaN, double.NaN) : new Forecast(point, upper);

    public void WriteState(StateWriter writer) => writer.Write(Observations);

    public void ReadState(StateReader reader) => Observations = reader.ReadInt64();
}

internal sealed class ScriptedDetector(double score, bool warm = true, Exception? fault = null) : IAnomalyDetector
{
    public string Name => "scripted-detector";

    public string StateKey => $"scripted-detector({score})";

    public long Observations { get; private set; }

    public bool IsWarm => warm;

    public double Score(double value) => fault is null ? score : throw fault;

    public void Learn(double value) => Observations++;

    public double ScoreAndLearn(double value)
    {
        Learn(value);
        return Score(value);
    }

    public void WriteState(StateWriter writer) => writer.Write(Observations);

    public void ReadState(StateReader reader) => Observations = reader.ReadInt64();
}
