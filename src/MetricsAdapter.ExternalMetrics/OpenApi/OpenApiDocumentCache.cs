using System.Collections.Concurrent;
using MetricsAdapter.ExternalMetrics.Provider;

namespace MetricsAdapter.ExternalMetrics.OpenApi;

/// <summary>The OpenAPI documents per served metric catalogue, built once per catalogue (a singleton of the host).</summary>
public sealed class OpenApiDocumentCache
{
    private readonly ConcurrentDictionary<string, ExternalMetricsOpenApi.Documents> _documents = new(StringComparer.Ordinal);

    /// <summary>The three documents for a metric catalogue.</summary>
    internal ExternalMetricsOpenApi.Documents For(IReadOnlyList<ExternalMetricInfo> metrics)
    {
        var signature = string.Join('\n', metrics.Select(m => m.Name + "\t" + m.Description));
        return _documents.GetOrAdd(signature, _ => ExternalMetricsOpenApi.Documents.Build(metrics));
    }
}
