using System.Globalization;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Core.Quantities;
using MetricsAdapter.Simulation.Hpa;

namespace MetricsAdapter.Simulation.Replay;

/// <summary>The policies compared, on the same cluster model, trace and bounds.</summary>
public static class Policies
{
    /// <summary>The stock HPA on CPU utilisation at the target: what most users run.</summary>
    public const string Reactive = "reactive";

    /// <summary>The HPA on the current request rate as an external metric (prometheus-adapter, KEDA).</summary>
    public const string ReactiveRps = "reactive-rps";

    /// <summary>The HPA on <c>predicted_load</c> and <c>latency_anomaly_score</c>, as the README tells users to write it.</summary>
    public const string Predictive = "predictive";

    /// <summary>Perfect knowledge of the load over the same horizon: the physical limit of forecasting.</summary>
    public const string Oracle = "oracle";

    public static IReadOnlyList<string> All { get; } = [Reactive, ReactiveRps, Predictive, Oracle];

    internal const string RequestRate = "request_rate";
    internal const string OracleLoad = "oracle_load";

    /// <summary>
    /// Each policy's HPA: its own metrics, the bounds and behaviour of <paramref name="user"/> when given (else the
    /// parameters' bounds and no behaviour: the controller's defaults). A user HPA naming <c>predicted_load</c> or
    /// <c>latency_anomaly_score</c> also gives the predictive policy its metrics.
    /// </summary>
    public static HpaSpec SpecFor(string policy, SimulationParameters parameters, HpaSpec? user)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var average = Quantity.FromDouble(parameters.PodCapacity * parameters.TargetUtilization);
        IReadOnlyList<HpaMetric> metrics = policy switch
        {
            Reactive => [new HpaMetric("Resource", "cpu", HpaTargetType.Utilization, Quantity.FromInt64((long)Math.Round(parameters.TargetUtilization * 100)))],
            ReactiveRps => [new HpaMetric("External", RequestRate, HpaTargetType.AverageValue, average)],
            Predictive => user?.Metrics.Where(m => m.Name is MetricNames.PredictedLoad or MetricNames.LatencyAnomalyScore).ToList() is { Count: > 0 } theirs
                ? theirs
                : [new HpaMetric("External", MetricNames.PredictedLoad, HpaTargetType.AverageValue, average),
                   new HpaMetric("External", MetricNames.LatencyAnomalyScore, HpaTargetType.Value, Quantity.Parse("700m"))],
            Oracle => [new HpaMetric("External", OracleLoad, HpaTargetType.AverageValue, average)],
            _ => throw new ArgumentException($"unknown policy {policy}; known: {string.Join(", ", All)}", nameof(policy)),
        };
        return new HpaSpec
        {
            MinReplicas = user?.MinReplicas ?? parameters.MinReplicas,
            MaxReplicas = user?.MaxReplicas ?? parameters.ResolvedMaxReplicas,
            Metrics = metrics,
            Behavior = user?.Behavior,
        };
    }

    /// <summary>One line per metric, for the printed parameters.</summary>
    public static string Describe(HpaSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return string.Join(" + ", spec.Metrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Name} {m.TargetType} {m.Target}")))
            + string.Create(CultureInfo.InvariantCulture, $", replicas {spec.MinReplicas}–{spec.MaxReplicas}, ")
            + (spec.Behavior is null ? "default behaviour" : "behaviour from --hpa");
    }
}
