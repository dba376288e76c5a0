using System.Globalization;
using System.Text;

namespace MetricsAdapter.Simulation.Demo;

/// <summary>One demo pod: its service, name and node, and the path its metrics are served on.</summary>
public sealed record DemoPod(DemoService Service, string Namespace, string Name, string Node)
{
    public string MetricsPath => $"/pods/{Name}/metrics";
}

/// <summary>
/// The demo's app: every pod of <see cref="DemoWorkload.Services"/> serves its own Prometheus metrics as a Prometheus
/// client library would — <c>http_requests_total{code,method}</c> and the <c>http_request_duration_seconds</c>
/// histogram in the client libraries' default buckets — counting the requests the workload sends it. Each pod can
/// take a fixed rate; its latency rises with utilisation, steeply past it, so surges show in latency before pods are
/// added. Counters only grow, from the moment the app starts, exactly as a real app's do. Thread-safe.
/// </summary>
public sealed class DemoApp
{
    private const double LatencySpread = 0.45;
    private const double PeakUtilisation = 0.75;
    private static readonly TimeSpan MaxStep = TimeSpan.FromSeconds(1);
    private readonly DemoWorkloadOptions _options;
    private readonly DemoWorkload _workload;
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<string, PodCounters> _pods = new(StringComparer.Ordinal);

    public DemoApp(DemoWorkloadOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options;
        _workload = new DemoWorkload(options);
        _timeProvider = timeProvider;
        var started = timeProvider.GetUtcNow();
        var pods = new List<DemoPod>();
        foreach (var service in DemoWorkload.Services)
        {
            for (var i = 0; i < options.PodsPerService; i++)
            {
                var index = i.ToString(CultureInfo.InvariantCulture);
                var pod = new DemoPod(service, options.Namespace, $"{service.Name}-demo-{index}", $"demo-node-{(i % 2).ToString(CultureInfo.InvariantCulture)}");
                pods.Add(pod);
                _pods.Add(pod.Name, new PodCounters(pod, started));
            }
        }

        Pods = pods;
    }

    public IReadOnlyList<DemoPod> Pods { get; }

    public DemoWorkload Workload => _workload;

    /// <summary>The pod's metrics now, in the Prometheus text format 0.0.4; false for an unknown pod.</summary>
    public bool TryRender(string pod, out string exposition)
    {
        ArgumentNullException.ThrowIfNull(pod);
        exposition = string.Empty;
        if (!_pods.TryGetValue(pod, out var counters))
        {
            return false;
        }

        lock (counters)
        {
            counters.AdvanceTo(_timeProvider.GetUtcNow(), this);
            exposition = counters.Render();
        }

        return true;
    }

    private sealed class PodCounters(DemoPod pod, DateTimeOffset started)
    {
        private readonly double[] _buckets = new double[LogNormalLatency.Buckets.Length];
        private DateTimeOffset _at = started;
        private double _ok;
        private double _errors;
        private double _latencySum;
        private double _carry;

        public void AdvanceTo(DateTimeOffset now, DemoApp app)
        {
            // Whole requests per step of at most a second, the fraction carried: counters stay integers, as a client's do.
            while (now - _at >= TimeSpan.FromMilliseconds(1))
            {
                var end = now - _at > MaxStep ? _at + MaxStep : now;
                Step(_at, end, app);
                _at = end;
            }
        }

        private void Step(DateTimeOffset start, DateTimeOffset end, DemoApp app)
        {
            var workload = app._workload;
            var pods = app._options.PodsPerService;
            var seconds = (end - start).TotalSeconds;
            var serviceRate = workload.Read(pod.Service, end).RequestsPerSecond;
            var share = serviceRate / pods * (1 + 0.05 * (2 * workload.Unit(pod.Name, end.ToUnixTimeSeconds(), 31) - 1));
            var expected = share * seconds + _carry;
            var requests = Math.Floor(expected);
            _carry = expected - requests;
            if (requests <= 0)
            {
                return;
            }

            var capacity = pod.Service.PeakRequestsPerSecond / pods / PeakUtilisation;
            var utilisation = share / capacity;
            var median = pod.Service.BaseLatencySeconds / (1 - Math.Min(utilisation, 0.97));
            var errorRatio = 0.002 + 0.05 * Math.Max(0, utilisation - 1);
            var errors = Math.Min(requests, Math.Round(requests * errorRatio + workload.Unit(pod.Name, end.ToUnixTimeMilliseconds(), 37) - 0.5));
            var histogram = LogNormalLatency.Histogram(requests, median, LatencySpread, wholeCounts: true);
            for (var i = 0; i < _buckets.Length; i++)
            {
                _buckets[i] += histogram.CumulativeCounts[i];
            }

            _latencySum += histogram.Sum;
            _errors += Math.Max(0, errors);
            _ok += requests - Math.Max(0, errors);
        }

        public string Render()
        {
            var text = new StringBuilder(2048);
            text.Append("# HELP http_requests_total Total HTTP requests served.\n");
            text.Append("# TYPE http_requests_total counter\n");
            text.Append(CultureInfo.InvariantCulture, $"http_requests_total{{code=\"200\",method=\"GET\"}} {_ok}\n");
            text.Append(CultureInfo.InvariantCulture, $"http_requests_total{{code=\"500\",method=\"GET\"}} {_errors}\n");
            text.Append("# HELP http_request_duration_seconds HTTP request latency.\n");
            text.Append("# TYPE http_request_duration_seconds histogram\n");
            for (var i = 0; i < _buckets.Length; i++)
            {
                var bound = LogNormalLatency.Buckets[i];
                var le = double.IsPositiveInfinity(bound) ? "+Inf" : bound.ToString(CultureInfo.InvariantCulture);
                text.Append(CultureInfo.InvariantCulture, $"http_request_duration_seconds_bucket{{le=\"{le}\"}} {_buckets[i]}\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"http_request_duration_seconds_sum {_latencySum.ToString("R", CultureInfo.InvariantCulture)}\n");
            text.Append(CultureInfo.InvariantCulture, $"http_request_duration_seconds_count {_buckets[^1]}\n");
            text.Append("# HELP demo_pod_info The demo pod this endpoint stands for.\n");
            text.Append("# TYPE demo_pod_info gauge\n");
            text.Append(CultureInfo.InvariantCulture, $"demo_pod_info{{namespace=\"{pod.Namespace}\",service=\"{pod.Service.Name}\",pod=\"{pod.Name}\"}} 1\n");
            return text.ToString();
        }
    }
}
