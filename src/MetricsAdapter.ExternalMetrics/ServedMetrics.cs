using MetricsAdapter.ExternalMetrics.Provider;

namespace MetricsAdapter.ExternalMetrics;

/// <summary>The metrics this adapter serves to the HPA. Names are contracts: HPA specs refer to them.</summary>
public static class ServedMetrics
{
    public const string PredictedLoadName = Core.Pipeline.MetricNames.PredictedLoad;
    public const string LatencyAnomalyScoreName = Core.Pipeline.MetricNames.LatencyAnomalyScore;

    /// <summary>Forecast request rate of a service (requests/second summed over its pods), at an upper quantile, at the forecast horizon.</summary>
    public static ExternalMetricInfo PredictedLoad { get; } = new(
        PredictedLoadName,
        "forecast request rate of the service (requests/second over all its pods) at the forecast horizon, at an upper quantile; use with an AverageValue target");

    /// <summary>How anomalous a service's latency is now, in [0, 1].</summary>
    public static ExternalMetricInfo LatencyAnomalyScore { get; } = new(
        LatencyAnomalyScoreName,
        "how anomalous the service's latency is now, from 0 (normal) to 1 (certainly anomalous)");

    public static IReadOnlyList<ExternalMetricInfo> All { get; } = [PredictedLoad, LatencyAnomalyScore];
}
