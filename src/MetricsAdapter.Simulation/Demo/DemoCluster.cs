using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Prediction.Detection;

namespace MetricsAdapter.Simulation.Demo;

/// <summary>
/// The demo's pods, reporting as predictor sidecars do: every interval each pod publishes observation v1 with its
/// request and error counts and its latency histogram delta (Prometheus' default buckets). Each pod can take a
/// fixed rate; latency rises with utilisation, steeply past it, so surges show in latency before pods are added.
/// One pod per service goes silent for a minute now and then (its sidecar stops publishing), as real ones do.
/// </summary>
public sealed class DemoCluster
{
    private const double LatencySpread = 0.45;
    private const double PeakUtilisation = 0.75;
    private readonly DemoWorkloadOptions _options;
    private readonly DemoWorkload _workload;
    private readonly List<DemoPod> _pods = [];

    public DemoCluster(DemoWorkloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _workload = new DemoWorkload(options);
        foreach (var service in DemoWorkload.Services)
        {
            var key = ServiceKey.Create(options.Namespace, service.Name);
            for (var i = 0; i < options.PodsPerService; i++)
            {
                _pods.Add(new DemoPod(service, key, $"{service.Name}-demo-{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}", i));
            }
        }
    }

    public DemoWorkload Workload => _workload;

    /// <summary>What every pod that is not silent reports for the interval ending at <paramref name="end"/>.</summary>
    public IReadOnlyList<Observation> Scrape(DateTimeOffset end)
    {
        var start = end - _options.PublishInterval;
        var observations = new List<Observation>(_pods.Count);
        foreach (var pod in _pods)
        {
            var observation = pod.Scrape(this, start, end);
            if (!IsSilent(pod.Service, pod.Index, end))
            {
                observations.Add(observation);
            }
        }

        return observations;
    }

    /// <summary>The last pod of each service is silent for 60–90 s once per <see cref="DemoWorkloadOptions.SilentPodEvery"/>.</summary>
    private bool IsSilent(DemoService service, int index, DateTimeOffset at)
    {
        if (index != _options.PodsPerService - 1 || _options.PodsPerService < 2)
        {
            return false;
        }

        var slotLength = _options.SilentPodEvery;
        var slot = (long)Math.Floor(at.ToUnixTimeMilliseconds() / slotLength.TotalMilliseconds);
        var slotStart = DateTimeOffset.FromUnixTimeMilliseconds((long)(slot * slotLength.TotalMilliseconds));
        var silentFrom = slotStart + slotLength * (0.2 + 0.5 * _workload.Unit(service.Name, slot, 23));
        var silentFor = TimeSpan.FromSeconds(60 + 30 * _workload.Unit(service.Name, slot, 29));
        return at >= silentFrom && at < silentFrom + silentFor;
    }

    private sealed class DemoPod(DemoService service, ServiceKey key, string name, int index)
    {
        public DemoService Service { get; } = service;

        public ServiceKey Key { get; } = key;

        public string Name { get; } = name;

        public int Index { get; } = index;

        private readonly IAnomalyDetector _detector = Detectors.Create(Detectors.Default);
        private long _sequence;

        public Observation Scrape(DemoCluster cluster, DateTimeOffset start, DateTimeOffset end)
        {
            var workload = cluster._workload;
            var pods = cluster._options.PodsPerService;
            var seconds = (end - start).TotalSeconds;
            var serviceRate = workload.Read(Service, end).RequestsPerSecond;
            var share = serviceRate / pods * (1 + 0.05 * (2 * workload.Unit(Name, end.ToUnixTimeSeconds(), 31) - 1));
            var requests = Math.Floor(share * seconds + workload.Unit(Name, end.ToUnixTimeSeconds(), 37));
            var capacity = Service.PeakRequestsPerSecond / pods / PeakUtilisation;
            var utilisation = share / capacity;
            var median = Service.BaseLatencySeconds / (1 - Math.Min(utilisation, 0.97));
            var errorRatio = 0.002 + 0.05 * Math.Max(0, utilisation - 1);
            var errors = Math.Min(requests, Math.Floor(requests * errorRatio));
            var histogram = LogNormalLatency.Histogram(requests, median, LatencySpread, wholeCounts: true);
            var p95 = median * Math.Exp(LogNormalLatency.P95Z * LatencySpread);
            var score = _detector.ScoreAndLearn(p95);
            var first = _sequence == 0;
            return new Observation
            {
                Service = Key,
                Pod = Name,
                Node = $"demo-node-{(Index % 2).ToString(System.Globalization.CultureInfo.InvariantCulture)}",
                Start = start,
                End = end,
                Requests = requests,
                Errors = errors,
                Latency = histogram,
                PodAnomalyScore = score,
                Sequence = _sequence++,
                Flags = first ? [ObservationFlags.FirstInterval] : [],
                Sidecar = "demo",
            };
        }
    }
}
