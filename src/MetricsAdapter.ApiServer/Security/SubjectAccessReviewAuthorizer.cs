using k8s;
using k8s.Models;
using MetricsAdapter.ApiServer.Kubernetes;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>
/// Delegated authorization: asks kube-apiserver with a SubjectAccessReview, so cluster RBAC decides (the HPA's
/// controller role already grants <c>get,list</c> on <c>external.metrics.k8s.io/*</c>). Allowed and denied answers
/// are cached for 10 seconds.
/// </summary>
public sealed class SubjectAccessReviewAuthorizer(IKubernetes client, TimeProvider timeProvider) : IAuthorizer
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
        var review = new V1SubjectAccessReview
        {
            ApiVersion = "authorization.k8s.io/v1",
            Kind = "SubjectAccessReview",
            Spec = new V1SubjectAccessReviewSpec
            {
                User = user.Name,
                Groups = [.. user.Groups],
                Uid = user.Uid,
                Extra = user.Extra.Count == 0 ? null : user.Extra.ToDictionary(e => e.Key, e => (IList<string>)[.. e.Value], StringComparer.Ordinal),
                ResourceAttributes = attributes.IsResourceRequest
                    ? new V1ResourceAttributes
                    {
                        NamespaceProperty = attributes.Namespace,
                        Verb = attributes.Verb,
                        Group = attributes.ApiGroup ?? string.Empty,
                        Version = attributes.ApiVersion ?? string.Empty,
                        Resource = attributes.Resource ?? string.Empty,
                        Subresource = attributes.Subresource,
                        Name = attributes.Name,
                    }
                    : null,
                NonResourceAttributes = attributes.IsResourceRequest ? null : new V1NonResourceAttributes { Path = attributes.Path, Verb = attributes.Verb },
            },
        };

        AuthorizationResult result;
        try
        {
            var status = (await client.AuthorizationV1.CreateSubjectAccessReviewAsync(review, cancellationToken: cancellationToken)).Status;
            if (status is null)
            {
                return new AuthorizationResult(AuthorizationDecision.Error, "the SubjectAccessReview came back without a status");
            }

            result = status switch
            {
                { Allowed: true } => new AuthorizationResult(AuthorizationDecision.Allow, status.Reason ?? string.Empty),
                { EvaluationError: { Length: > 0 } error } when status.Denied != true =>
                    new AuthorizationResult(AuthorizationDecision.Deny, $"{status.Reason} (evaluation error: {error})".Trim()),
                _ => new AuthorizationResult(AuthorizationDecision.Deny, status.Reason ?? string.Empty),
            };
        }
        catch (Exception exception) when (KubernetesFailures.IsCallFailure(exception, cancellationToken))
        {
            return new AuthorizationResult(AuthorizationDecision.Error, KubernetesFailures.Describe(exception));
        }

        _cache.Set(key, result, CacheFor);
        return result;
    }
}
