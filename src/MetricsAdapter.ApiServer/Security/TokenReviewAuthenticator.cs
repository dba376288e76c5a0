using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;
using MetricsAdapter.ApiServer.Kubernetes;
using Microsoft.AspNetCore.Http;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>
/// Bearer tokens, reviewed by kube-apiserver (TokenReview). Answers are cached for 10 seconds by the token's
/// SHA-256, so a busy client costs one review per cache period.
/// </summary>
public sealed class TokenReviewAuthenticator(IKubernetes client, TimeProvider timeProvider)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);
    private readonly TtlCache<string, AuthenticationOutcome> _cache = new(4096, timeProvider);

    public async ValueTask<AuthenticationOutcome> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticationOutcome.NotApplicable;
        }

        var token = header["Bearer ".Length..].Trim();
        if (token.Length == 0)
        {
            return AuthenticationOutcome.NotApplicable;
        }

        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        if (_cache.TryGet(key, out var cached))
        {
            return cached;
        }

        AuthenticationOutcome outcome;
        try
        {
            var review = new V1TokenReview { ApiVersion = "authentication.k8s.io/v1", Kind = "TokenReview", Spec = new V1TokenReviewSpec { Token = token } };
            var status = (await client.AuthenticationV1.CreateTokenReviewAsync(review, cancellationToken: cancellationToken)).Status;
            outcome = status is { Authenticated: true, User.Username: { Length: > 0 } username }
                ? AuthenticationOutcome.Success(UserInfo.Create(username, status.User.Groups ?? [], status.User.Uid,
                    status.User.Extra?.ToDictionary(e => e.Key, e => (IReadOnlyList<string>)[.. e.Value], StringComparer.Ordinal)))
                : AuthenticationOutcome.Failure(status?.Error is { Length: > 0 } reason ? $"token review: {reason}" : "token review: the token is not valid");
        }
        catch (Exception exception) when (KubernetesFailures.IsCallFailure(exception, cancellationToken))
        {
            return AuthenticationOutcome.Failure($"token review failed: {KubernetesFailures.Describe(exception)}");
        }

        _cache.Set(key, outcome, CacheFor);
        return outcome;
    }
}
