using System.Diagnostics.Metrics;
using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Decisions;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetricsAdapter.Simulation.Replay;

/// <summary>
/// The decision manager <c>serve</c> runs — the same class, forecaster and detector, default options but for the
/// horizon — fed with the observations the simulated pods' sidecars would publish, on the simulation's clock.
/// Only the bus is left out: observations go straight to the manager, decisions straight to the HPA.
/// </summary>
internal sealed class PredictivePipeline : IDisposable
{
    private const double LatencySpread = 0.5;

    private readonly SimulationClock _clock;
    private readonly NoMeters _meters = new();
    private readonly DecisionManager _manager;
    private readonly ServiceKey _service = ServiceKey.Create("simulation", "app");
    private readonly Dictionary<int, long> _sequences = [];
    private readonly RecordOrigin _origin = new("simulation", -1, 0);

    public PredictivePipeline(DateTimeOffset origin, SimulationParameters parameters)
    {
        _clock = new SimulationClock(origin);
        Options = new DecisionOptions { Horizon = parameters.Horizon, Quantile = parameters.ForecastQuantile };
        _manager = new DecisionManager(Microsoft.Extensions.Options.Options.Create(Options), new DefaultServiceModelFactory(Options), _clock,
            new DecisionTelemetry(_meters), NullLogger<DecisionManager>.Instance);
    }

    public DecisionOptions Options { get; }

    /// <summary>The newest values decided: null when the series is not served (not yet, or withdrawn).</summary>
    public double? PredictedLoad { get; private set; }

    public double? AnomalyScore { get; private set; }

    /// <summary>The fallback reason of the newest <c>predicted_load</c>, if any.</summary>
    public string? LoadFallback { get; private set; }

    /// <summary>Every serving pod reports the interval that just ended; pods removed at this instant report their last.</summary>
    public void Publish(TimeSpan at, TimeSpan interval, IReadOnlyList<SimulatedPod> serving, IReadOnlyList<SimulatedPod> stopping, double requests, double p95)
    {
        _clock.Set(at);
        var end = _clock.GetUtcNow();
        var perPod = serving.Count == 0 ? 0 : requests / serving.Count;
        var histogram = LogNormalLatency.Histogram(perPod, p95 / Math.Exp(LogNormalLatency.P95Z * LatencySpread), LatencySpread, wholeCounts: false);
        foreach (var pod in serving)
        {
            Publish(pod, end, interval, perPod, histogram, stopping: false);
        }

        foreach (var pod in stopping)
        {
            Publish(pod, end, interval, 0, null, stopping: true);
        }
    }

    /// <summary>Decides at <paramref name="at"/> (an instant on the tick grid) and keeps what was decided.</summary>
    public void Tick(TimeSpan at)
    {
        _clock.Set(at);
        var decisions = _manager.Tick(_clock.GetUtcNow());
        _manager.Served(decisions, _clock.GetUtcNow());
        foreach (var decision in decisions)
        {
            var value = decision.Value?.ToDouble();
            if (decision.Key.Metric == MetricNames.PredictedLoad)
            {
                (PredictedLoad, LoadFallback) = (value, decision.Fallback?.Reason);
            }
            else
            {
                AnomalyScore = value;
            }
        }
    }

    public void Dispose() => _meters.Dispose();

    private void Publish(SimulatedPod pod, DateTimeOffset end, TimeSpan interval, double requests, LatencyHistogram? histogram, bool stopping)
    {
        var sequence = _sequences.GetValueOrDefault(pod.Id);
        _sequences[pod.Id] = sequence + 1;
        if (stopping)
        {
            _sequences.Remove(pod.Id);
        }

        _manager.Ingest(new Observation
        {
            Service = _service,
            Pod = pod.Name,
            Start = end - interval,
            End = end,
            Requests = requests,
            Latency = requests > 0 ? histogram : null,
            Sequence = sequence,
            Flags = stopping ? [ObservationFlags.PodStopping] : sequence == 0 ? [ObservationFlags.FirstInterval] : [],
        }, end, _origin);
    }

    private sealed class SimulationClock(DateTimeOffset origin) : TimeProvider
    {
        private TimeSpan _elapsed;

        public void Set(TimeSpan at) => _elapsed = at;

        public override DateTimeOffset GetUtcNow() => origin + _elapsed;
    }

    private sealed class NoMeters : IMeterFactory
    {
        private readonly List<Meter> _created = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _created.Add(meter);
            return meter;
        }

        public void Dispose() => _created.ForEach(m => m.Dispose());
    }
}
