using System.Text.Json.Serialization;

namespace MetricsAdapter.ApiServer.Status;

/// <summary>A <c>meta/v1 Status</c>: the body of every error this server returns.</summary>
/// <remarks>Field order matches the API server's, so golden files read like kube-apiserver output.</remarks>
public sealed record KubernetesStatus
{
    [JsonPropertyOrder(0)]
    public string Kind { get; init; } = "Status";

    [JsonPropertyOrder(1)]
    public string ApiVersion { get; init; } = "v1";

    [JsonPropertyOrder(2)]
    public EmptyObjectMeta Metadata { get; init; } = EmptyObjectMeta.Instance;

    /// <summary><c>Success</c> or <c>Failure</c>.</summary>
    [JsonPropertyOrder(3)]
    public required string Status { get; init; }

    [JsonPropertyOrder(4)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }

    /// <summary>A machine-readable <c>StatusReason</c> such as <c>NotFound</c>.</summary>
    [JsonPropertyOrder(5)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    [JsonPropertyOrder(6)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public StatusDetails? Details { get; init; }

    /// <summary>The HTTP status code this Status is sent with.</summary>
    [JsonPropertyOrder(7)]
    public int Code { get; init; }
}

/// <summary><c>meta/v1 StatusDetails</c>: which object the error is about.</summary>
public sealed record StatusDetails
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Group { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Kind { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<StatusCause>? Causes { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? RetryAfterSeconds { get; init; }
}

/// <summary><c>meta/v1 StatusCause</c>: one reason, optionally tied to a field or parameter.</summary>
public sealed record StatusCause(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field);

/// <summary>The <c>metadata: {}</c> that list and status objects carry.</summary>
public sealed record EmptyObjectMeta
{
    public static EmptyObjectMeta Instance { get; } = new();
}
