using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using MetricsAdapter.ApiServer.Status;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>
/// Authentication then authorization, in the order an aggregated API server applies them. Authentication is a union
/// (the first success wins; failures count only when nothing succeeds): the front proxy's certificate with its
/// <c>X-Remote-*</c> headers, a client certificate, a bearer token reviewed by kube-apiserver; a request with no
/// credentials is anonymous when allowed. Only a request whose certificate passed the front-proxy scheme may assert a
/// user by headers, and every <c>X-Remote-*</c> header is removed once authentication is done. Authorization is a
/// chain (the first allow or deny wins; no opinion passes on).
/// </summary>
public sealed partial class KubernetesSecurity : IDisposable
{
    public const string MeterName = "MetricsAdapter.ApiServer";

    private readonly IAuthenticationSettingsSource _settings;
    private readonly TokenReviewAuthenticator? _tokens;
    private readonly IReadOnlyList<IAuthorizer> _authorizers;
    private readonly AlwaysAllowPathsAuthorizer _alwaysAllowPaths;
    private readonly bool _anonymous;
    private readonly ILogger _logger;
    private readonly Meter _meter;
    private readonly Counter<long> _decisions;
    private volatile ProxyHeaders _proxyHeaders = new(AuthenticationSettings.None);

    public KubernetesSecurity(
        IAuthenticationSettingsSource settings,
        TokenReviewAuthenticator? tokens,
        IReadOnlyList<IAuthorizer> authorizers,
        SecurityOptions options,
        IMeterFactory meterFactory,
        ILogger<KubernetesSecurity> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meterFactory);
        _settings = settings;
        _tokens = tokens;

        // Always-allowed paths are answered before authentication (CheckAsync), so they need no place in the chain.
        _alwaysAllowPaths = new AlwaysAllowPathsAuthorizer(options.AlwaysAllowPaths ?? SecurityOptions.DefaultAlwaysAllowPaths);
        _authorizers = authorizers;
        _anonymous = options.AnonymousAuth;
        _logger = logger;
        _meter = meterFactory.Create(MeterName);
        _decisions = _meter.CreateCounter<long>("metrics_adapter.apiserver.access_decisions", "{request}",
            "Authentication and authorization outcomes of requests, by stage and decision.");
    }

    /// <summary>Authenticates and authorizes; returns the Status to answer with, or null to go on.</summary>
    public async ValueTask<KubernetesStatus?> CheckAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = context.Request.Path.Value ?? "/";
        if (_alwaysAllowPaths.Matches(path))
        {
            return null;
        }

        var settings = _settings.Current;
        var (user, failure) = await AuthenticateAsync(context, settings);
        RemoveProxyHeaders(context.Request.Headers, settings);
        if (user is null)
        {
            Record("authentication", "rejected");
            LogRejected(_logger, context.Request.Method, path, failure ?? "no credentials");
            return StatusErrors.Unauthorized("Unauthorized");
        }

        context.Features.Set<IUserFeature>(new UserFeature(user));
        var attributes = RequestAttributes.From(context.Request);
        foreach (var authorizer in _authorizers)
        {
            var result = await authorizer.AuthorizeAsync(user, attributes, context.RequestAborted);
            switch (result.Decision)
            {
                case AuthorizationDecision.Allow:
                    Record("authorization", "allowed");
                    return null;
                case AuthorizationDecision.Deny:
                    Record("authorization", "denied");
                    return Forbidden(user, attributes, result.Reason);
                case AuthorizationDecision.Error:
                    Record("authorization", "error");
                    LogAuthorizationError(_logger, user.Name, attributes.Describe(), result.Reason);
                    return StatusErrors.InternalError($"authorization could not be decided: {result.Reason}");
            }
        }

        Record("authorization", "denied");
        return Forbidden(user, attributes, string.Empty);
    }

    public void Dispose() => _meter.Dispose();

    private async ValueTask<(UserInfo? User, string? Failure)> AuthenticateAsync(HttpContext context, AuthenticationSettings settings)
    {
        List<string>? failures = null;
        if (context.Connection.ClientCertificate is not null)
        {
            if (settings.RequestHeaderCa.Count > 0)
            {
                var proxy = await AuthenticateCertificateAsync(context, CertificateSchemes.FrontProxy);
                if (proxy.Succeeded && FromProxyHeaders(context.Request.Headers, settings) is { } asserted)
                {
                    return Authenticated(asserted);
                }

                if (proxy.Failure is { } error)
                {
                    (failures ??= []).Add($"front-proxy certificate: {error.Message}");
                }
            }

            if (settings.ClientCa.Count > 0)
            {
                var client = await AuthenticateCertificateAsync(context, CertificateSchemes.ClientCa);
                if (client is { Succeeded: true, Principal: { } principal })
                {
                    return Authenticated(UserInfo.Create(principal.Identity!.Name!, principal.FindAll(CertificateSchemes.GroupClaim).Select(c => c.Value)));
                }

                if (client.Failure is { } error)
                {
                    (failures ??= []).Add($"client certificate: {error.Message}");
                }
            }
        }

        if (_tokens is not null)
        {
            var outcome = await _tokens.AuthenticateAsync(context, context.RequestAborted);
            if (outcome.User is not null)
            {
                return Authenticated(outcome.User);
            }

            if (outcome.Error is not null)
            {
                (failures ??= []).Add(outcome.Error);
            }
        }

        if (failures is not null)
        {
            return (null, string.Join("; ", failures));
        }

        if (_anonymous)
        {
            Record("authentication", "anonymous");
            return (UserInfo.Anonymous, null);
        }

        return (null, null);
    }

    private (UserInfo, string?) Authenticated(UserInfo user)
    {
        Record("authentication", "authenticated");
        return (user.WithAuthenticatedGroup(), null);
    }

    /// <summary>
    /// Runs one certificate scheme, telling the validation cache which one it is and under which settings generation,
    /// read before the scheme takes its options: a result is cached under the generation it was validated in.
    /// </summary>
    private async Task<AuthenticateResult> AuthenticateCertificateAsync(HttpContext context, string scheme)
    {
        context.Items[CertificateSchemes.SchemeItem] = scheme;
        context.Items[CertificateSchemes.GenerationItem] = _settings.Generation;
        try
        {
            return await context.AuthenticateAsync(scheme);
        }
        finally
        {
            context.Items.Remove(CertificateSchemes.SchemeItem);
            context.Items.Remove(CertificateSchemes.GenerationItem);
        }
    }

    /// <summary>The user the front proxy asserts; null when it names none (then the request is not the proxy's to vouch for).</summary>
    private static UserInfo? FromProxyHeaders(IHeaderDictionary headers, AuthenticationSettings settings)
    {
        var name = settings.UsernameHeaders.Select(h => headers[h].FirstOrDefault(v => !string.IsNullOrEmpty(v))).FirstOrDefault(v => v is not null);
        if (name is null)
        {
            return null;
        }

        var groups = settings.GroupHeaders.SelectMany(h => headers[h]).Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList();
        var uid = settings.UidHeaders.Select(h => headers[h].FirstOrDefault(v => !string.IsNullOrEmpty(v))).FirstOrDefault(v => v is not null);
        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (header, values) in headers)
        {
            var prefix = settings.ExtraHeaderPrefixes.FirstOrDefault(p => header.StartsWith(p, StringComparison.OrdinalIgnoreCase));
            if (prefix is not null && header.Length > prefix.Length)
            {
                var key = Uri.UnescapeDataString(header[prefix.Length..].ToLowerInvariant());
                extra[key] = [.. (extra.TryGetValue(key, out var existing) ? existing : []), .. values.Where(v => v is not null).Select(v => v!)];
            }
        }

        return UserInfo.Create(name, groups, uid, extra);
    }

    /// <summary>Removes every header the front proxy may set, so nothing downstream can mistake a client's for the proxy's.</summary>
    private void RemoveProxyHeaders(IHeaderDictionary headers, AuthenticationSettings settings)
    {
        var proxyHeaders = _proxyHeaders;
        if (!ReferenceEquals(proxyHeaders.Settings, settings))
        {
            _proxyHeaders = proxyHeaders = new ProxyHeaders(settings);
        }

        List<string>? remove = null;
        foreach (var header in headers.Keys)
        {
            if (proxyHeaders.Matches(header))
            {
                (remove ??= []).Add(header);
            }
        }

        foreach (var header in remove ?? [])
        {
            headers.Remove(header);
        }
    }

    private static KubernetesStatus Forbidden(UserInfo user, RequestAttributes attributes, string reason)
    {
        var subject = attributes.IsResourceRequest
            ? $"{attributes.Resource}.{attributes.ApiGroup} is forbidden"
            : "forbidden";
        var message = $"{subject}: User \"{user.Name}\" cannot {attributes.Describe()}";
        return StatusErrors.Forbidden(reason.Length > 0 ? $"{message}: {reason}" : message);
    }

    private void Record(string stage, string decision) =>
        _decisions.Add(1, new KeyValuePair<string, object?>("stage", stage), new KeyValuePair<string, object?>("decision", decision));

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Unauthenticated {Method} {Path}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string method, string path, string reason);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Error, Message = "Authorization of {User} to {Action} failed: {Reason}")]
    private static partial void LogAuthorizationError(ILogger logger, string user, string action, string reason);

    /// <summary>
    /// Which request headers the front proxy may set: its user, group and uid headers, and any header under an extra
    /// prefix. Checked for every header of every request, so the names sit in a frozen set built once per settings.
    /// </summary>
    private sealed class ProxyHeaders(AuthenticationSettings settings)
    {
        private readonly FrozenSet<string> _names = settings.UsernameHeaders.Concat(settings.GroupHeaders).Concat(settings.UidHeaders)
            .ToFrozenSet(StringComparer.OrdinalIgnoreCase);

        private readonly string[] _prefixes = [.. settings.ExtraHeaderPrefixes];

        public AuthenticationSettings Settings => settings;

        public bool Matches(string header)
        {
            if (_names.Contains(header))
            {
                return true;
            }

            foreach (var prefix in _prefixes)
            {
                if (header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
