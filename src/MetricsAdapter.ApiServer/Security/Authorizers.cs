using MetricsAdapter.ApiServer.Kubernetes;

namespace MetricsAdapter.ApiServer.Security;

public enum AuthorizationDecision
{
    NoOpinion,
    Allow,
    Deny,

    /// <summary>The decision could not be made (kube-apiserver unreachable): answered with a 500, never an allow.</summary>
    Error,
}

public readonly record struct AuthorizationResult(AuthorizationDecision Decision, string Reason)
{
    public static AuthorizationResult NoOpinion { get; } = new(AuthorizationDecision.NoOpinion, string.Empty);
}

/// <summary>One authorization rule.</summary>
public interface IAuthorizer
{
    ValueTask<AuthorizationResult> AuthorizeAsync(UserInfo user, RequestAttributes attributes, CancellationToken cancellationToken);
}

/// <summary>
/// Non-resource paths anyone may read (<c>--authorization-always-allow-paths</c>): health probes and the admission
/// webhook, which kube-apiserver calls without credentials. A trailing <c>*</c> matches a prefix.
/// </summary>
public sealed class AlwaysAllowPathsAuthorizer(IReadOnlyList<string> paths) : IAuthorizer
{
    public bool Matches(string path)
    {
        foreach (var pattern in paths)
        {
            if (pattern.EndsWith('*')
                ? path.AsSpan().StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)
                : string.Equals(pattern, path, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public ValueTask<AuthorizationResult> AuthorizeAsync(UserInfo user, RequestAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        return ValueTask.FromResult(!attributes.IsResourceRequest && Matches(attributes.Path)
            ? new AuthorizationResult(AuthorizationDecision.Allow, "always-allowed path")
            : AuthorizationResult.NoOpinion);
    }
}

/// <summary>Groups allowed everything (<c>--authorization-always-allow-groups</c>, default <c>system:masters</c>).</summary>
public sealed class AlwaysAllowGroupsAuthorizer(IReadOnlyList<string> groups) : IAuthorizer
{
    public ValueTask<AuthorizationResult> AuthorizeAsync(UserInfo user, RequestAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return ValueTask.FromResult(user.Groups.Any(g => groups.Contains(g, StringComparer.Ordinal))
            ? new AuthorizationResult(AuthorizationDecision.Allow, "always-allowed group")
            : AuthorizationResult.NoOpinion);
    }
}

/// <summary>
/// Delegated authorization: asks kube-apiserver with a SubjectAccessReview, so cluster RBAC decides (the HPA's
/// controller role already grants <c>get,list</c> on <c>external.metrics.k8s.io/*</c>). Allowed and denied answers
/// are cached for 10 seconds.
/// </summary>
public sealed class SubjectAccessReviewAuthorizer(KubernetesApiClient client, TimeProvider timeProvider) : IAuthorizer
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);
    private readonly TtlCache<string, AuthorizationResult> _cache = new(8192, timeProvider);

    public async ValueTask<AuthorizationResult> AuthorizeAsync(UserInfo user, RequestAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(attributes);
        var key = string.Join('\u0001', user.Name, user.Uid, string.Join(',', user.Groups), attributes.Verb, attributes.Path,
            attributes.Namespace, attributes.ApiGroup, attributes.Resource, attributes.Subresource, attributes.Name,
            string.Join(';', user.Extra.Select(e => e.Key + "=" + string.Join(',', e.Value))));
        if (_cache.TryGet(key, out var cached))
        {
            return cached;
        }

        // Built only on a cache miss: nearly every request is a hit.
        var spec = new SubjectAccessReviewSpec
        {
            User = user.Name,
            Groups = user.Groups,
            Uid = user.Uid,
            Extra = user.Extra.Count == 0 ? null : user.Extra,
            ResourceAttributes = attributes.IsResourceRequest
                ? new ResourceAttributes(attributes.Namespace, attributes.Verb, attributes.ApiGroup ?? string.Empty, attributes.ApiVersion ?? string.Empty,
                    attributes.Resource ?? string.Empty, attributes.Subresource, attributes.Name)
                : null,
            NonResourceAttributes = attributes.IsResourceRequest ? null : new NonResourceAttributes(attributes.Path, attributes.Verb),
        };

        AuthorizationResult result;
        try
        {
            var status = await client.ReviewAccessAsync(spec, cancellationToken);
            result = status switch
            {
                { Allowed: true } => new AuthorizationResult(AuthorizationDecision.Allow, status.Reason ?? string.Empty),
                { EvaluationError: { Length: > 0 } error } when !status.Denied =>
                    new AuthorizationResult(AuthorizationDecision.Deny, $"{status.Reason} (evaluation error: {error})".Trim()),
                _ => new AuthorizationResult(AuthorizationDecision.Deny, status.Reason ?? string.Empty),
            };
        }
        catch (KubernetesApiException exception)
        {
            return new AuthorizationResult(AuthorizationDecision.Error, exception.Message);
        }

        _cache.Set(key, result, CacheFor);
        return result;
    }
}
