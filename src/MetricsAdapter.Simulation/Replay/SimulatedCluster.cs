namespace MetricsAdapter.Simulation.Replay;

/// <summary>
/// One deployment under one policy: pods that serve only after their start-up delay, the load shared evenly over
/// serving pods, p95 latency growing as 1/(1 − utilisation) with a hard overload regime, CPU proportional to the load
/// served plus a baseline, and the recent history metrics pipelines read (with their windows and delays).
/// </summary>
internal sealed class SimulatedCluster
{
    private readonly SimulationParameters _parameters;
    private readonly List<SimulatedPod> _pods = [];
    private readonly (TimeSpan At, double Demand, double Utilisation)[] _history;
    private int _historyNext;
    private int _historyCount;
    private int _nextId;

    public SimulatedCluster(SimulationParameters parameters, int replicas, TimeSpan at)
    {
        _parameters = parameters;
        var keep = (int)Math.Ceiling(Max(parameters.CpuMetricWindow + parameters.CpuMetricDelay, parameters.RateMetricWindow + parameters.RateMetricDelay) / parameters.Step) + 2;
        _history = new (TimeSpan, double, double)[keep];
        for (var i = 0; i < replicas; i++)
        {
            _pods.Add(new SimulatedPod(_nextId++, at - parameters.StartupDelay, at - parameters.StartupDelay - TimeSpan.FromHours(1)));
        }
    }

    public IReadOnlyList<SimulatedPod> Pods => _pods;

    public int Replicas => _pods.Count;

    public int Serving(TimeSpan at) => _pods.Count(p => p.ReadyAt <= at);

    /// <summary>The utilisation of each serving pod when <paramref name="demand"/> req/s are shared over them (∞ with none).</summary>
    public double Utilisation(TimeSpan at, double demand)
    {
        var serving = Serving(at);
        return serving == 0 ? (demand > 0 ? double.PositiveInfinity : 0) : demand / (serving * _parameters.PodCapacity);
    }

    /// <summary>p95 latency in seconds at a utilisation.</summary>
    public double P95(double utilisation) =>
        utilisation >= 1 ? _parameters.OverloadLatency.TotalSeconds
        : utilisation >= 0.95 ? _parameters.BaseLatency.TotalSeconds / 0.05
        : _parameters.BaseLatency.TotalSeconds / (1 - utilisation);

    /// <summary>Records one step's demand and utilisation for the metrics pipelines.</summary>
    public void Record(TimeSpan at, double demand, double utilisation)
    {
        _history[_historyNext] = (at, demand, double.IsFinite(utilisation) ? Math.Min(utilisation, 1) : 1);
        _historyNext = (_historyNext + 1) % _history.Length;
        _historyCount = Math.Min(_historyCount + 1, _history.Length);
    }

    /// <summary>Mean demand over (<paramref name="from"/>, <paramref name="to"/>], from the recorded steps.</summary>
    public double? MeanDemand(TimeSpan from, TimeSpan to) => Mean(from, to, static h => h.Demand);

    /// <summary>Each pod as metrics-server and the HPA see it: ready or not, and its CPU over the window if it was ready for all of it.</summary>
    public IReadOnlyList<Hpa.PodCpu> Cpu(TimeSpan at)
    {
        var end = at - _parameters.CpuMetricDelay;
        var start = end - _parameters.CpuMetricWindow;
        var utilisation = Mean(start, end, static h => h.Utilisation);
        var request = _parameters.CpuRequestMilli;
        return _pods.Select(pod =>
        {
            var ready = pod.ReadyAt <= at;
            long? usage = ready && pod.ReadyAt <= start && utilisation is { } u
                ? (long)Math.Round(request * (_parameters.CpuBaseline + ((1 - _parameters.CpuBaseline) * u)))
                : null;
            return new Hpa.PodCpu(ready, usage, request);
        }).ToList();
    }

    /// <summary>Scales to <paramref name="replicas"/>: new pods start now; a scale-down removes pods not yet serving first, then the newest.</summary>
    /// <returns>The pods removed (their sidecars say so as they stop).</returns>
    public IReadOnlyList<SimulatedPod> ScaleTo(int replicas, TimeSpan at)
    {
        while (_pods.Count < replicas)
        {
            _pods.Add(new SimulatedPod(_nextId++, at + _parameters.StartupDelay, at));
        }

        var removed = new List<SimulatedPod>();
        while (_pods.Count > replicas)
        {
            var victim = _pods.Where(p => p.ReadyAt > at).MaxBy(p => p.Id) ?? _pods.MaxBy(p => p.Id)!;
            _pods.Remove(victim);
            removed.Add(victim);
        }

        return removed;
    }

    private double? Mean(TimeSpan from, TimeSpan to, Func<(TimeSpan At, double Demand, double Utilisation), double> select)
    {
        double sum = 0;
        var count = 0;
        for (var i = 0; i < _historyCount; i++)
        {
            var entry = _history[i];
            if (entry.At > from && entry.At <= to)
            {
                sum += select(entry);
                count++;
            }
        }

        return count == 0 ? null : sum / count;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

/// <summary>One pod: its number, when it serves its first request, when it was created.</summary>
internal sealed record SimulatedPod(int Id, TimeSpan ReadyAt, TimeSpan CreatedAt)
{
    public string Name => "app-" + Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
