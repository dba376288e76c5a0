using System.Text.Encodings.Web;
using System.Text.Json;
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
[JsonSerializable(typeof(string[]))]
public sealed partial class ApiMachineryJsonContext : JsonSerializerContext
{
    /// <summary>
    /// What goes on the wire: quotes and non-ASCII written as the API server writes them (<c>\"</c>, not
    /// <c>\u0022</c>). These bodies are JSON for API clients, never embedded in HTML.
    /// </summary>
    public static ApiMachineryJsonContext Wire { get; } = new(WireOptions(indented: false));

    /// <summary>For JSON written by hand with <see cref="Utf8JsonWriter"/>: escaped as <see cref="WireOptions"/> escapes.</summary>
    public static JsonWriterOptions WireWriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonSerializerOptions WireOptions(bool indented) => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = indented,
    };
}
