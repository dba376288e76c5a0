using System.Text.Json.Serialization;

namespace MetricsAdapter.ApiServer.Kubernetes;

/// <summary><c>authentication.k8s.io/v1 TokenReview</c>: asks kube-apiserver who a bearer token belongs to.</summary>
public sealed record TokenReview
{
    public string ApiVersion { get; init; } = "authentication.k8s.io/v1";

    public string Kind { get; init; } = "TokenReview";

    public required TokenReviewSpec Spec { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TokenReviewStatus? Status { get; init; }
}

public sealed record TokenReviewSpec(string Token, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Audiences = null);

public sealed record TokenReviewStatus(bool Authenticated, ReviewedUser? User, string? Error);

public sealed record ReviewedUser(string? Username, string? Uid, IReadOnlyList<string>? Groups, IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra);

/// <summary><c>authorization.k8s.io/v1 SubjectAccessReview</c>: asks kube-apiserver whether a user may do something.</summary>
public sealed record SubjectAccessReview
{
    public string ApiVersion { get; init; } = "authorization.k8s.io/v1";

    public string Kind { get; init; } = "SubjectAccessReview";

    public required SubjectAccessReviewSpec Spec { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SubjectAccessReviewStatus? Status { get; init; }
}

public sealed record SubjectAccessReviewSpec
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResourceAttributes? ResourceAttributes { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NonResourceAttributes? NonResourceAttributes { get; init; }

    public required string User { get; init; }

    public IReadOnlyList<string> Groups { get; init; } = [];

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Uid { get; init; }
}

public sealed record ResourceAttributes(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Namespace,
    string Verb,
    string Group,
    string Version,
    string Resource,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Subresource,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name);

public sealed record NonResourceAttributes(string Path, string Verb);

public sealed record SubjectAccessReviewStatus(bool Allowed, bool Denied, string? Reason, string? EvaluationError);

/// <summary>The parts of a <c>v1 ConfigMap</c> we read.</summary>
public sealed record ConfigMap(IReadOnlyDictionary<string, string>? Data);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TokenReview))]
[JsonSerializable(typeof(SubjectAccessReview))]
[JsonSerializable(typeof(ConfigMap))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class KubernetesApiJsonContext : JsonSerializerContext;
