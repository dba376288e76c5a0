using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MetricsAdapter.ApiServer.Kubernetes;
using MetricsAdapter.ApiServer.Serving;
using Microsoft.AspNetCore.Http;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>What an authenticator concluded: a user, "not mine" (try the next), or a failure with its reason.</summary>
public readonly record struct AuthenticationOutcome(UserInfo? User, string? Error)
{
    public static AuthenticationOutcome NotApplicable => default;

    public static AuthenticationOutcome Success(UserInfo user) => new(user, null);

    public static AuthenticationOutcome Failure(string error) => new(null, error);
}

/// <summary>One way of telling who sent a request.</summary>
public interface IRequestAuthenticator
{
    ValueTask<AuthenticationOutcome> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken);
}

/// <summary>
/// The front proxy (kube-aggregator): trusts <c>X-Remote-*</c> headers only from a client certificate that chains
/// to the request-header CA with ClientAuth usage and, when names are configured, has an allowed CN.
/// </summary>
public sealed class RequestHeaderAuthenticator(IAuthenticationSettingsSource settings, TimeProvider timeProvider) : IRequestAuthenticator
{
    public ValueTask<AuthenticationOutcome> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var current = settings.Current;
        var certificate = context.Connection.ClientCertificate;
        if (current.RequestHeaderCa.Count == 0 || certificate is null)
        {
            return ValueTask.FromResult(AuthenticationOutcome.NotApplicable);
        }

        if (!CertificateValidation.Verify(certificate, current.RequestHeaderCa, CertificateValidation.ClientAuthUsage, timeProvider.GetUtcNow(), out var error))
        {
            return ValueTask.FromResult(AuthenticationOutcome.Failure($"front-proxy certificate: {error}"));
        }

        var commonName = certificate.GetNameInfo(X509NameType.SimpleName, false);
        if (current.RequestHeaderAllowedNames.Count > 0 && !current.RequestHeaderAllowedNames.Contains(commonName, StringComparer.Ordinal))
        {
            return ValueTask.FromResult(AuthenticationOutcome.Failure($"x509: subject with cn={commonName} is not in the allowed list"));
        }

        var headers = context.Request.Headers;
        var name = current.UsernameHeaders.Select(h => headers[h].FirstOrDefault(v => !string.IsNullOrEmpty(v))).FirstOrDefault(v => v is not null);
        if (name is null)
        {
            return ValueTask.FromResult(AuthenticationOutcome.NotApplicable);
        }

        var groups = current.GroupHeaders.SelectMany(h => headers[h]).Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList();
        var uid = current.UidHeaders.Select(h => headers[h].FirstOrDefault(v => !string.IsNullOrEmpty(v))).FirstOrDefault(v => v is not null);
        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (header, values) in headers)
        {
            var prefix = current.ExtraHeaderPrefixes.FirstOrDefault(p => header.StartsWith(p, StringComparison.OrdinalIgnoreCase));
            if (prefix is not null && header.Length > prefix.Length)
            {
                var key = Uri.UnescapeDataString(header[prefix.Length..].ToLowerInvariant());
                extra[key] = [.. (extra.TryGetValue(key, out var existing) ? existing : []), .. values.Where(v => v is not null).Select(v => v!)];
            }
        }

        return ValueTask.FromResult(AuthenticationOutcome.Success(UserInfo.Create(name, groups, uid, extra)));
    }
}

/// <summary>Client certificates signed by the client CA: the user is the CN, the groups are the O values.</summary>
public sealed class ClientCertificateAuthenticator(IAuthenticationSettingsSource settings, TimeProvider timeProvider) : IRequestAuthenticator
{
    public ValueTask<AuthenticationOutcome> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var current = settings.Current;
        var certificate = context.Connection.ClientCertificate;
        if (current.ClientCa.Count == 0 || certificate is null)
        {
            return ValueTask.FromResult(AuthenticationOutcome.NotApplicable);
        }

        if (!CertificateValidation.Verify(certificate, current.ClientCa, CertificateValidation.ClientAuthUsage, timeProvider.GetUtcNow(), out var error))
        {
            return ValueTask.FromResult(AuthenticationOutcome.Failure($"client certificate: {error}"));
        }

        var name = certificate.GetNameInfo(X509NameType.SimpleName, false);
        var groups = certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.GetSingleElementType().Value == "2.5.4.10")
            .Select(rdn => rdn.GetSingleElementValue() ?? string.Empty)
            .Where(g => g.Length > 0);
        return ValueTask.FromResult(string.IsNullOrEmpty(name)
            ? AuthenticationOutcome.Failure("client certificate has no common name")
            : AuthenticationOutcome.Success(UserInfo.Create(name, groups)));
    }
}

/// <summary>
/// Bearer tokens, reviewed by kube-apiserver (TokenReview). Answers are cached for 10 seconds by the token's
/// SHA-256, so a busy client costs one review per cache period.
/// </summary>
public sealed class TokenReviewAuthenticator(KubernetesApiClient client, TimeProvider timeProvider) : IRequestAuthenticator
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
            var status = await client.ReviewTokenAsync(token, null, cancellationToken);
            outcome = status is { Authenticated: true, User.Username: { Length: > 0 } username }
                ? AuthenticationOutcome.Success(UserInfo.Create(username, status.User.Groups ?? [], status.User.Uid, status.User.Extra))
                : AuthenticationOutcome.Failure(status.Error is { Length: > 0 } reason ? $"token review: {reason}" : "token review: the token is not valid");
        }
        catch (KubernetesApiException exception)
        {
            return AuthenticationOutcome.Failure($"token review failed: {exception.Message}");
        }

        _cache.Set(key, outcome, CacheFor);
        return outcome;
    }
}
