using System.Diagnostics.Metrics;
using MetricsAdapter.ApiServer.Kubernetes;
using MetricsAdapter.ApiServer.Serving;
using MetricsAdapter.ApiServer.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>
/// Authentication then authorization, in the order an aggregated API server applies them. Authenticators form a
/// union (the first success wins; failures count only when nothing succeeds); a request with no credentials is
/// anonymous when allowed. Authorizers form a chain (the first allow or deny wins; no opinion passes on).
/// </summary>
public sealed partial class KubernetesSecurity : IDisposable
{
    public const string MeterName = "MetricsAdapter.ApiServer";

    private readonly IReadOnlyList<IRequestAuthenticator> _authenticators;
    private readonly IReadOnlyList<IAuthorizer> _authorizers;
    private readonly AlwaysAllowPathsAuthorizer _alwaysAllowPaths;
    private readonly bool _anonymous;
    private readonly ILogger _logger;
    private readonly Meter _meter;
    private readonly Counter<long> _decisions;

    public KubernetesSecurity(
        IAuthenticationSettingsSource settings,
        IReadOnlyList<IRequestAuthenticator> authenticators,
        IReadOnlyList<IAuthorizer> authorizers,
        SecurityOptions options,
        IMeterFactory meterFactory,
        ILogger<KubernetesSecurity> logger,
        KubernetesApiClient? apiClient = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meterFactory);
        Settings = settings;
        ApiClient = apiClient;
        _authenticators = authenticators;
        _alwaysAllowPaths = new AlwaysAllowPathsAuthorizer(options.AlwaysAllowPaths ?? SecurityOptions.DefaultAlwaysAllowPaths);
        // Always-allowed paths are answered before authentication (CheckAsync), so they need no place in the chain.
        _authorizers = authorizers;
        _anonymous = options.AnonymousAuth;
        _logger = logger;
        _meter = meterFactory.Create(MeterName);
        _decisions = _meter.CreateCounter<long>("metrics_adapter.apiserver.access_decisions", "{request}",
            "Authentication and authorization outcomes of requests, by stage and decision.");
    }

    public IAuthenticationSettingsSource Settings { get; }

    /// <summary>The kube-apiserver client when authentication or authorization is delegated.</summary>
    public KubernetesApiClient? ApiClient { get; }

    /// <summary>Builds the security pipeline from options: flags, plus delegation when kube-apiserver is reachable.</summary>
    public static KubernetesSecurity Create(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        var timeProvider = services.GetRequiredService<TimeProvider>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var flags = new AuthenticationSettings
        {
            ClientCa = options.ClientCaFile is { Length: > 0 } clientCa ? CertificateValidation.LoadBundle(clientCa) : [],
            RequestHeaderCa = options.RequestHeaderClientCaFile is { Length: > 0 } proxyCa ? CertificateValidation.LoadBundle(proxyCa) : [],
            RequestHeaderAllowedNames = options.RequestHeaderAllowedNames,
        };

        var clientConfig = options.DisableDelegation ? null
            : options.Kubeconfig is { Length: > 0 } kubeconfig ? KubernetesClientConfig.FromKubeconfig(kubeconfig)
            : KubernetesClientConfig.InCluster();
        var client = clientConfig is null ? null : new KubernetesApiClient(clientConfig, timeProvider);
        IAuthenticationSettingsSource source = client is null || options.AuthenticationSkipLookup
            ? new StaticAuthenticationSettingsSource(flags)
            : new ClusterAuthenticationSettingsSource(client, flags, loggers.CreateLogger<ClusterAuthenticationSettingsSource>());

        List<IRequestAuthenticator> authenticators =
        [
            new RequestHeaderAuthenticator(source, timeProvider),
            new ClientCertificateAuthenticator(source, timeProvider),
        ];
        List<IAuthorizer> authorizers = [new AlwaysAllowGroupsAuthorizer(options.AlwaysAllowGroups ?? SecurityOptions.DefaultAlwaysAllowGroups)];
        if (client is not null)
        {
            authenticators.Add(new TokenReviewAuthenticator(client, timeProvider));
            authorizers.Add(new SubjectAccessReviewAuthorizer(client, timeProvider));
        }

        var security = new KubernetesSecurity(source, authenticators, authorizers, options,
            services.GetRequiredService<IMeterFactory>(), loggers.CreateLogger<KubernetesSecurity>(), client);
        LogConfigured(security._logger, flags.ClientCa.Count > 0, flags.RequestHeaderCa.Count > 0, client?.Server, options.AnonymousAuth);
        return security;
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

        var (user, failure) = await AuthenticateAsync(context);
        foreach (var header in Settings.Current.ProxyHeaderNames)
        {
            context.Request.Headers.Remove(header);
        }

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

    public void Dispose()
    {
        _meter.Dispose();
        ApiClient?.Dispose();
    }

    private async ValueTask<(UserInfo? User, string? Failure)> AuthenticateAsync(HttpContext context)
    {
        var failures = new List<string>();
        foreach (var authenticator in _authenticators)
        {
            var outcome = await authenticator.AuthenticateAsync(context, context.RequestAborted);
            if (outcome.User is not null)
            {
                Record("authentication", "authenticated");
                return (outcome.User.WithAuthenticatedGroup(), null);
            }

            if (outcome.Error is not null)
            {
                failures.Add(outcome.Error);
            }
        }

        if (failures.Count > 0)
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

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information,
        Message = "Security: client CA {ClientCa}, front-proxy CA {FrontProxyCa}, kube-apiserver for TokenReview/SubjectAccessReview: {Delegation}, anonymous requests: {Anonymous}")]
    private static partial void LogConfigured(ILogger logger, bool clientCa, bool frontProxyCa, Uri? delegation, bool anonymous);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Unauthenticated {Method} {Path}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string method, string path, string reason);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Error, Message = "Authorization of {User} to {Action} failed: {Reason}")]
    private static partial void LogAuthorizationError(ILogger logger, string user, string action, string reason);
}

public static class KubernetesSecurityExtensions
{
    /// <summary>Options from section <c>Security</c>, the security pipeline, the ConfigMap refresher and its readiness check.</summary>
    public static IServiceCollection AddKubernetesSecurity(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.SectionName).ValidateOnStart();
        services.AddMetrics();
        services.AddSingleton(KubernetesSecurity.Create);
        services.AddHostedService<AuthenticationSettingsRefresher>();
        services.AddHealthChecks().AddCheck<AuthenticationSettingsHealthCheck>("authentication-settings", tags: [Health.KubernetesHealthEndpoints.ReadyTag]);
        return services;
    }

    /// <summary>Runs the security checks before endpoints; place it after routing.</summary>
    public static IApplicationBuilder UseKubernetesSecurity(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var security = app.ApplicationServices.GetRequiredService<KubernetesSecurity>();
        return app.Use(async (context, next) =>
        {
            if (await security.CheckAsync(context) is { } refusal)
            {
                await context.Response.WriteStatusAsync(refusal);
                return;
            }

            await next(context);
        });
    }

    private sealed class AuthenticationSettingsRefresher(KubernetesSecurity security, TimeProvider timeProvider) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            if (security.Settings is not ClusterAuthenticationSettingsSource source)
            {
                return;
            }

            try
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    var ok = await source.RefreshAsync(stoppingToken);
                    await Task.Delay(ok ? TimeSpan.FromMinutes(1) : TimeSpan.FromSeconds(10), timeProvider, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Shutting down.
            }
        }
    }

    private sealed class AuthenticationSettingsHealthCheck(KubernetesSecurity security) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(security.Settings is ClusterAuthenticationSettingsSource { Loaded: false }
                ? HealthCheckResult.Unhealthy("kube-system/extension-apiserver-authentication has not been read yet")
                : HealthCheckResult.Healthy());
    }
}
