namespace MetricsAdapter.Core.Pipeline;

/// <summary>The metrics the adapter decides and serves. Names are contracts: HPA specs and decision records use them.</summary>
public static class MetricNames
{
    /// <summary>Forecast request rate of a service (requests/second over its pods) at the horizon, at an upper quantile.</summary>
    public const string PredictedLoad = "predicted_load";

    /// <summary>How anomalous a service's latency is now, in [0, 1].</summary>
    public const string LatencyAnomalyScore = "latency_anomaly_score";
}
