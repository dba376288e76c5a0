using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Simulation.Hpa;

namespace MetricsAdapter.Simulation.Replay;

/// <summary>What one policy came to on one trace.</summary>
/// <param name="Policy">The policy's name.</param>
/// <param name="SloViolationMinutes">Minutes in which p95 latency was above the SLO.</param>
/// <param name="ReplicaMinutes">Pods × minutes, starting pods included: the cost.</param>
/// <param name="P95LatencyMs">The request-weighted 95th percentile of p95 latency over the run.</param>
/// <param name="ScalingEvents">Syncs that changed the replica count.</param>
/// <param name="TimeToScaleSeconds">Mean over surges: from a surge's onset until serving capacity covered the load at the target utilisation (capped at 30 min); null without surges.</param>
/// <param name="Surges">Surges found in the trace (the pods the load needs up by 30% and 2 pods within 5 minutes).</param>
/// <param name="UnderProvisionedMinutes">Minutes in which the load exceeded the serving pods' capacity.</param>
/// <param name="MaxReplicas">The most replicas at once.</param>
/// <param name="FallbackMinutes">Predictive only: minutes in which <c>predicted_load</c> was a fallback (a cold model, stale input).</param>
public sealed record PolicyResult(
    string Policy,
    double SloViolationMinutes,
    double ReplicaMinutes,
    double P95LatencyMs,
    int ScalingEvents,
    double? TimeToScaleSeconds,
    int Surges,
    double UnderProvisionedMinutes,
    int MaxReplicas,
    double? FallbackMinutes);

/// <summary>The run's time series, one point a minute, for the plot.</summary>
public sealed record SimulationSeries(
    IReadOnlyList<double> Minutes,
    IReadOnlyList<double> Load,
    IReadOnlyList<double> Forecast,
    IReadOnlyDictionary<string, IReadOnlyList<double>> Replicas,
    IReadOnlyList<double> SurgeOnsets);

public sealed record SimulationResult(
    string Trace,
    TimeSpan Duration,
    bool Truncated,
    double Scale,
    SimulationParameters Parameters,
    IReadOnlyDictionary<string, string> Hpas,
    IReadOnlyList<PolicyResult> Policies,
    SimulationSeries Series);

/// <summary>
/// Replays a trace through the cluster model under each policy: every step the load is served by the pods that are
/// up; every sync (15 s) each policy's HPA model reads its metrics and scales; pods start serving after their
/// start-up delay. The predictive policy's metrics come from the real decision manager, fed by the pods' sidecar
/// observations.
/// </summary>
public static class TraceSimulator
{
    private static readonly TimeSpan SurgeLookBack = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan SurgeSpacing = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan TimeToScaleCap = TimeSpan.FromMinutes(30);

    public static SimulationResult Run(TraceLoad load, SimulationParameters parameters, IReadOnlyList<string> policies, HpaSpec? userHpa, HpaControllerFlags? flags = null, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(policies);
        flags ??= new HpaControllerFlags();
        var step = parameters.Step;
        var sync = flags.SyncPeriod;
        if (sync.Ticks % step.Ticks != 0 || parameters.ObservationInterval.Ticks % step.Ticks != 0 || sync.Ticks % parameters.ObservationInterval.Ticks != 0)
        {
            throw new ArgumentException("the sync period and the observation interval must be whole numbers of steps, and the sync a whole number of observation intervals");
        }

        var origin = new DateTimeOffset(load.Start.UtcTicks / sync.Ticks * sync.Ticks, TimeSpan.Zero);
        var initialDemand = load.Rate(TimeSpan.Zero);
        var runs = policies.Select(name =>
        {
            var spec = Policies.SpecFor(name, parameters, userHpa);
            var initial = Math.Clamp((int)Math.Ceiling(initialDemand / (parameters.PodCapacity * parameters.TargetUtilization)), spec.MinReplicas, spec.MaxReplicas);
            return new PolicyRun(name, spec, new HpaController(spec, flags), new SimulatedCluster(parameters, initial, TimeSpan.Zero),
                name == Policies.Predictive ? new PredictivePipeline(origin, parameters) : null,
                parameters.PodCapacity * parameters.TargetUtilization);
        }).ToList();

        var steps = (long)(load.Duration / step);
        var perSync = (int)(sync / step);
        var perObservation = (int)(parameters.ObservationInterval / step);
        var minutes = new List<double>();
        var loadSeries = new List<double>();
        var forecastSeries = new List<double>();
        var onsets = new List<double>();
        var required = new Queue<double>();
        TimeSpan? lastOnset = null;
        var perMinute = (int)(TimeSpan.FromMinutes(1) / step);
        var nextProgress = 0.1;

        for (long k = 1; k <= steps; k++)
        {
            var at = step * k;
            var demand = load.Rate(at - (step / 2));

            // The oracle knows the load at the horizon exactly.
            var oracle = load.Rate(at + parameters.Horizon - (step / 2));

            foreach (var run in runs)
            {
                run.Step(at, step, demand, parameters.Slo.TotalSeconds);
            }

            // Surges: the pods the load needs, a minute at a time, against five minutes earlier.
            if (k % perMinute == 0)
            {
                var needed = demand / (parameters.PodCapacity * parameters.TargetUtilization);
                required.Enqueue(needed);
                if (required.Count > SurgeLookBack.TotalMinutes + 1)
                {
                    var before = required.Dequeue();
                    if (needed >= 1.3 * before && needed - before >= 2 && (lastOnset is not { } previous || at - previous >= SurgeSpacing))
                    {
                        lastOnset = at;
                        onsets.Add(at.TotalMinutes);
                        runs.ForEach(r => r.SurgeBegins(at));
                    }
                }

                minutes.Add(at.TotalMinutes);
                loadSeries.Add(demand);
                forecastSeries.Add(runs.FirstOrDefault(r => r.Pipeline is not null)?.Pipeline!.PredictedLoad ?? double.NaN);
                foreach (var run in runs)
                {
                    run.Sample();
                }
            }

            if (k % perObservation == 0)
            {
                foreach (var run in runs)
                {
                    run.Observe(at, parameters.ObservationInterval);
                }
            }

            if (k % perSync == 0)
            {
                foreach (var run in runs)
                {
                    run.Pipeline?.Tick(at);
                    run.Sync(at, Readings(run, at, parameters, oracle));
                }
            }

            if (progress is not null && k >= nextProgress * steps)
            {
                progress.Report($"{load.Name}: {nextProgress:P0} of {load.Duration.TotalDays:0.#} days");
                nextProgress += 0.1;
            }
        }

        foreach (var run in runs)
        {
            run.Pipeline?.Dispose();
        }

        return new SimulationResult(
            load.Name,
            load.Duration,
            load.Truncated,
            load.Scale,
            parameters,
            runs.ToDictionary(r => r.Name, r => Policies.Describe(r.Spec), StringComparer.Ordinal),
            [.. runs.Select(r => r.Result())],
            new SimulationSeries(minutes, loadSeries, forecastSeries, runs.ToDictionary(r => r.Name, r => (IReadOnlyList<double>)r.ReplicaSeries, StringComparer.Ordinal), onsets));
    }

    private static List<MetricReading> Readings(PolicyRun run, TimeSpan at, SimulationParameters parameters, double oracle) =>
        [.. run.Spec.Metrics.Select(metric => metric.Name switch
        {
            "cpu" => (MetricReading)new CpuReading(run.Cluster.Cpu(at)),
            Policies.RequestRate => External(run.Cluster.MeanDemand(at - parameters.RateMetricDelay - parameters.RateMetricWindow, at - parameters.RateMetricDelay)),
            Policies.OracleLoad => External(oracle),
            MetricNames.PredictedLoad => External(run.Pipeline!.PredictedLoad),
            MetricNames.LatencyAnomalyScore => External(run.Pipeline!.AnomalyScore),
            _ => new ExternalReading(null),
        })];

    private static ExternalReading External(double? value) =>
        new(value is { } v && double.IsFinite(v) ? (long)Math.Ceiling(Math.Max(0, v) * 1000) : null);

    /// <summary>One policy's cluster, HPA and tallies.</summary>
    private sealed class PolicyRun(string name, HpaSpec spec, HpaController controller, SimulatedCluster cluster, PredictivePipeline? pipeline, double targetCapacity)
    {
        private readonly LatencyTally _latency = new();
        private readonly List<SimulatedPod> _stopping = [];
        private readonly List<double> _timesToScale = [];
        private double _violationSeconds;
        private double _replicaSeconds;
        private double _underSeconds;
        private int _events;
        private double _fallbackSeconds;
        private int _maxReplicas = cluster.Replicas;
        private double _intervalRequests;
        private double _intervalLatencyWeight;
        private double _intervalLatency;
        private TimeSpan? _surgeOnset;

        public string Name => name;

        public HpaSpec Spec => spec;

        public SimulatedCluster Cluster => cluster;

        public PredictivePipeline? Pipeline => pipeline;

        public List<double> ReplicaSeries { get; } = [];

        public void Step(TimeSpan at, TimeSpan step, double demand, double slo)
        {
            var utilisation = cluster.Utilisation(at, demand);
            var p95 = cluster.P95(utilisation);
            cluster.Record(at, demand, utilisation);
            var seconds = step.TotalSeconds;
            _latency.Add(p95, demand * seconds);
            _replicaSeconds += cluster.Replicas * seconds;
            if (p95 > slo)
            {
                _violationSeconds += seconds;
            }

            if (utilisation > 1)
            {
                _underSeconds += seconds;
            }

            if (pipeline?.LoadFallback is not null)
            {
                _fallbackSeconds += seconds;
            }

            _intervalRequests += demand * seconds;
            _intervalLatency += p95 * demand * seconds;
            _intervalLatencyWeight += demand * seconds;
            if (_surgeOnset is { } onset)
            {
                var covered = demand <= cluster.Serving(at) * targetCapacity;
                if (covered || at - onset >= TimeToScaleCap)
                {
                    _timesToScale.Add(Math.Min((at - onset).TotalSeconds, TimeToScaleCap.TotalSeconds));
                    _surgeOnset = null;
                }
            }
        }

        public void SurgeBegins(TimeSpan at)
        {
            if (_surgeOnset is null)
            {
                _surgeOnset = at;
            }
        }

        public void Sample() => ReplicaSeries.Add(cluster.Replicas);

        public void Observe(TimeSpan at, TimeSpan interval)
        {
            if (pipeline is not null)
            {
                var serving = cluster.Pods.Where(p => p.ReadyAt <= at).ToList();
                var p95 = _intervalLatencyWeight > 0 ? _intervalLatency / _intervalLatencyWeight : cluster.P95(0);
                pipeline.Publish(at, interval, serving, _stopping, _intervalRequests, p95);
                _stopping.Clear();
            }

            (_intervalRequests, _intervalLatency, _intervalLatencyWeight) = (0, 0, 0);
        }

        public void Sync(TimeSpan at, IReadOnlyList<MetricReading> readings)
        {
            var replicas = cluster.Replicas;
            var result = controller.Sync(at, replicas, replicas, cluster.Serving(at), readings);
            if (result.Replicas != replicas)
            {
                _events++;
                _stopping.AddRange(cluster.ScaleTo(result.Replicas, at));
                _maxReplicas = Math.Max(_maxReplicas, result.Replicas);
            }
        }

        public PolicyResult Result() => new(
            name,
            _violationSeconds / 60,
            _replicaSeconds / 60,
            _latency.Percentile(0.95) * 1000,
            _events,
            _timesToScale.Count == 0 ? null : _timesToScale.Average(),
            _timesToScale.Count,
            _underSeconds / 60,
            _maxReplicas,
            pipeline is null ? null : _fallbackSeconds / 60);
    }
}

/// <summary>A weighted percentile over values from 1 ms to 100 s, in log-spaced bins (0.5% apart).</summary>
internal sealed class LatencyTally
{
    private const double Lowest = 0.001;
    private static readonly double Growth = Math.Log(1.005);
    private readonly double[] _weights = new double[(int)(Math.Log(100 / Lowest) / Growth) + 2];
    private double _total;

    public void Add(double seconds, double weight)
    {
        if (weight <= 0)
        {
            return;
        }

        var bin = seconds <= Lowest ? 0 : Math.Min(_weights.Length - 1, (int)(Math.Log(seconds / Lowest) / Growth) + 1);
        _weights[bin] += weight;
        _total += weight;
    }

    public double Percentile(double q)
    {
        if (_total <= 0)
        {
            return 0;
        }

        var target = q * _total;
        double cumulative = 0;
        for (var i = 0; i < _weights.Length; i++)
        {
            cumulative += _weights[i];
            if (cumulative >= target)
            {
                return Lowest * Math.Exp(i * Growth);
            }
        }

        return Lowest * Math.Exp((_weights.Length - 1) * Growth);
    }
}
