using System.Text.Json.Serialization;
using MetricsAdapter.ApiServer.Discovery;
using MetricsAdapter.ApiServer.Status;

namespace MetricsAdapter.ApiServer.Json;

/// <summary>Source-generated JSON for the API machinery's wire types, in Kubernetes' camelCase.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(KubernetesStatus))]
[JsonSerializable(typeof(ApiGroupList))]
[JsonSerializable(typeof(ApiGroup))]
[JsonSerializable(typeof(ApiResourceList))]
[JsonSerializable(typeof(VersionInfo))]
public sealed partial class ApiMachineryJsonContext : JsonSerializerContext;
