namespace MetricsAdapter.ExternalMetrics;

/// <summary>Names of the API group we serve.</summary>
public static class ExternalMetricsApi
{
    public const string Group = "external.metrics.k8s.io";
    public const string Version = "v1beta1";
    public const string GroupVersion = Group + "/" + Version;
    public const string GroupPath = "/apis/" + Group;
    public const string GroupVersionPath = GroupPath + "/" + Version;
    public const string ListKind = "ExternalMetricValueList";
}
