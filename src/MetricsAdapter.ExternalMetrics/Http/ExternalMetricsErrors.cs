using MetricsAdapter.ApiServer.Status;
using MetricsAdapter.ExternalMetrics.Provider;

namespace MetricsAdapter.ExternalMetrics.Http;

/// <summary>The Status errors specific to external metrics, built on the shared named factories.</summary>
public static class ExternalMetricsErrors
{
    /// <summary>404 for a metric we do not serve, naming the ones we do.</summary>
    public static KubernetesStatus MetricNotFound(string metric, string @namespace, IReadOnlyList<ExternalMetricInfo> served)
    {
        ArgumentNullException.ThrowIfNull(served);
        var name = StatusErrors.Printable(metric);
        var known = served.Count == 0 ? "none" : string.Join(", ", served.Select(m => m.Name));
        return StatusErrors.NotFound(
            $"the server could not find the metric \"{name}\" in namespace \"{@namespace}\" ({ExternalMetricsApi.GroupVersion}); served metrics: {known}",
            ExternalMetricsApi.Group,
            kind: name,
            name: null);
    }

    public static KubernetesStatus InvalidNamespace(string @namespace, string reason) =>
        StatusErrors.BadRequest(
            $"namespace \"{StatusErrors.Printable(@namespace)}\" is invalid: {reason}",
            new StatusCause("FieldValueInvalid", reason, "metadata.namespace"));

    public static KubernetesStatus InvalidSelector(string reason) =>
        StatusErrors.BadRequest(reason, new StatusCause("FieldValueInvalid", reason, "labelSelector"));
}
