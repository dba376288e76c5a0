using System.ComponentModel.DataAnnotations;

namespace MetricsAdapter.Simulation.Replay;

/// <summary>
/// The cluster model and the run, every value printed with the results and settable. The defaults were fixed
/// before any model was tuned to them and are the same for every trace.
/// </summary>
public sealed record SimulationParameters
{
    /// <summary>From a pod's creation to its first served request (image pull, start, readiness). Default 90 s.</summary>
    public TimeSpan StartupDelay { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Requests per second one pod serves at 100% utilisation. Default 100.</summary>
    [Range(1, 1_000_000)]
    public double PodCapacity { get; init; } = 100;

    /// <summary>The load is scaled so that the trace's peak needs this many pods at the target utilisation. Default 40.</summary>
    [Range(1, 10_000)]
    public int PeakPods { get; init; } = 40;

    /// <summary>The utilisation every policy aims at: the CPU target, and capacity × this for the rate targets. Default 0.7.</summary>
    [Range(0.05, 0.99)]
    public double TargetUtilization { get; init; } = 0.7;

    /// <summary>p95 latency of an idle pod; it grows as 1/(1 − utilisation). Default 50 ms.</summary>
    public TimeSpan BaseLatency { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>p95 latency past saturation (utilisation ≥ 1): requests queue and time out. Default 5 s.</summary>
    public TimeSpan OverloadLatency { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The SLO: p95 latency below this. Default 300 ms.</summary>
    public TimeSpan Slo { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>A pod's CPU use when idle, as a share of its request; the rest grows with load. Default 0.05.</summary>
    [Range(0, 0.9)]
    public double CpuBaseline { get; init; } = 0.05;

    /// <summary>A pod's CPU request in millicores. Default 1000.</summary>
    [Range(1, 1_000_000)]
    public int CpuRequestMilli { get; init; } = 1000;

    /// <summary>metrics-server's averaging window for CPU. Default 30 s.</summary>
    public TimeSpan CpuMetricWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How old metrics-server's CPU figure is when the HPA reads it. Default 15 s.</summary>
    public TimeSpan CpuMetricDelay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The window of the request-rate metric of <c>reactive-rps</c> (a Prometheus <c>rate[1m]</c>). Default 60 s.</summary>
    public TimeSpan RateMetricWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How old the request-rate metric is when the HPA reads it (scrape and adapter). Default 15 s.</summary>
    public TimeSpan RateMetricDelay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often each pod's sidecar publishes an observation to the decision manager. Default 15 s.</summary>
    public TimeSpan ObservationInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The forecast horizon: the decision manager's, and how far the oracle sees. Default 2 minutes.</summary>
    public TimeSpan Horizon { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The upper quantile of <c>predicted_load</c> (the decision manager's option). Default 0.9, as served.</summary>
    [Range(0.5, 0.999)]
    public double ForecastQuantile { get; init; } = 0.9;

    /// <summary>The simulation's time step. Default 5 s.</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bounds of every HPA (unless <c>--hpa</c> sets them). Defaults 2 and twice <see cref="PeakPods"/>.</summary>
    public int MinReplicas { get; init; } = 2;

    public int? MaxReplicas { get; init; }

    /// <summary>Only this much of the trace from its start (a long hourly trace takes long at 5 s steps). Default 90 days.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromDays(90);

    public int ResolvedMaxReplicas => MaxReplicas ?? 2 * PeakPods;
}
