using System.Text.Json.Serialization;
using MetricsAdapter.ApiServer.Json;
using MetricsAdapter.ApiServer.Status;
using MetricsAdapter.Core.Quantities;

namespace MetricsAdapter.ExternalMetrics.Http;

/// <summary><c>external.metrics.k8s.io/v1beta1 ExternalMetricValueList</c>; <c>items</c> is always present.</summary>
public sealed record ExternalMetricValueList(IReadOnlyList<ExternalMetricValue> Items)
{
    [JsonPropertyOrder(-3)]
    public string Kind { get; init; } = ExternalMetricsApi.ListKind;

    [JsonPropertyOrder(-2)]
    public string ApiVersion { get; init; } = ExternalMetricsApi.GroupVersion;

    [JsonPropertyOrder(-1)]
    public EmptyObjectMeta Metadata { get; init; } = EmptyObjectMeta.Instance;
}

/// <summary>One item. <c>metricLabels</c> is written even when empty; <c>window</c> (seconds) only when known.</summary>
public sealed record ExternalMetricValue(
    string MetricName,
    IReadOnlyDictionary<string, string> MetricLabels,
    [property: JsonConverter(typeof(KubernetesTimeJsonConverter))] DateTimeOffset Timestamp,
    [property: JsonPropertyName("window")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? WindowSeconds,
    [property: JsonConverter(typeof(QuantityJsonConverter))] Quantity Value);

/// <summary>Source-generated JSON for our wire types.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ExternalMetricValueList))]
public sealed partial class ExternalMetricsJsonContext : JsonSerializerContext
{
    /// <summary>Compact, with the API server's escaping (see <see cref="ApiMachineryJsonContext.Wire"/>).</summary>
    public static ExternalMetricsJsonContext Wire { get; } = new(ApiMachineryJsonContext.WireOptions(indented: false));

    /// <summary>The same, indented, for <c>?pretty=true</c>.</summary>
    public static ExternalMetricsJsonContext Indented { get; } = new(ApiMachineryJsonContext.WireOptions(indented: true));
}
