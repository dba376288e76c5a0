using MetricsAdapter.ApiServer.Health;
using MetricsAdapter.ApiServer.Kubernetes;
using MetricsAdapter.ApiServer.Status;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.ApiServer.Security;

public static partial class KubernetesSecurityServiceCollectionExtensions
{
    /// <summary>
    /// The security pipeline and what it stands on: options from section <c>Security</c>; the connection to
    /// kube-apiserver (<see cref="KubernetesConnection"/>, unless one is registered already); the settings source with
    /// its CA-file refresher, ConfigMap watcher and readiness check; ASP.NET Core's certificate handler as two schemes
    /// with a rotation-aware validation cache; TokenReview and SubjectAccessReview when a connection exists.
    /// </summary>
    public static IServiceCollection AddKubernetesSecurity(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.SectionName)
            .Validate(o => o.CaReloadInterval >= TimeSpan.FromSeconds(1) && o.CaReloadInterval <= TimeSpan.FromHours(1),
                "Security:CaReloadInterval must be between 1 second and 1 hour")
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<SecurityOptions>>().Value);
        services.TryAddSingleton(sp => KubernetesConnection.FromOptions(sp.GetRequiredService<SecurityOptions>()));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<SecurityOptions>();
            var connection = sp.GetRequiredService<KubernetesConnection>();
            return new AuthenticationSettingsSource(options, connection.Client is not null && !options.AuthenticationSkipLookup,
                sp.GetRequiredService<ILogger<AuthenticationSettingsSource>>());
        });
        services.AddSingleton<IAuthenticationSettingsSource>(sp => sp.GetRequiredService<AuthenticationSettingsSource>());
        services.AddHostedService<CaFileRefresher>();
        services.AddHostedService<AuthenticationConfigMapWatcher>();
        services.AddHealthChecks().AddCheck<AuthenticationSettingsHealthCheck>("authentication-settings", tags: [KubernetesHealthEndpoints.ReadyTag]);

        services.AddAuthentication()
            .AddCertificate(CertificateSchemes.ClientCa)
            .AddCertificate(CertificateSchemes.FrontProxy);
        services.AddSingleton<IConfigureOptions<CertificateAuthenticationOptions>, CertificateSchemes>();
        foreach (var scheme in new[] { CertificateSchemes.ClientCa, CertificateSchemes.FrontProxy })
        {
            services.AddSingleton<IOptionsChangeTokenSource<CertificateAuthenticationOptions>>(sp =>
                new AuthenticationSettingsChangeTokenSource(scheme, sp.GetRequiredService<IAuthenticationSettingsSource>()));
        }

        services.AddSingleton<ICertificateValidationCache, CertificateValidationResultCache>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<SecurityOptions>();
            var connection = sp.GetRequiredService<KubernetesConnection>();
            var clock = sp.GetRequiredService<TimeProvider>();
            List<IAuthorizer> authorizers = [new AlwaysAllowGroupsAuthorizer(options.AlwaysAllowGroups ?? SecurityOptions.DefaultAlwaysAllowGroups)];
            if (connection.Client is { } client)
            {
                authorizers.Add(new SubjectAccessReviewAuthorizer(client, clock));
            }

            var settings = sp.GetRequiredService<IAuthenticationSettingsSource>();
            var security = new KubernetesSecurity(settings, connection.Client is { } reviewer ? new TokenReviewAuthenticator(reviewer, clock) : null,
                authorizers, options, sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<ILogger<KubernetesSecurity>>());
            var current = settings.Current;
            var logger = sp.GetRequiredService<ILogger<KubernetesSecurity>>();
            var (clientCa, frontProxyCa) = (current.ClientCa.Count > 0, current.RequestHeaderCa.Count > 0);
            LogConfigured(logger, clientCa, frontProxyCa, connection.Description, options.AnonymousAuth);
            return security;
        });
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

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information,
        Message = "Security: client CA {ClientCa}, front-proxy CA {FrontProxyCa}, kube-apiserver for TokenReview/SubjectAccessReview: {Delegation}, anonymous requests: {Anonymous}")]
    private static partial void LogConfigured(ILogger logger, bool clientCa, bool frontProxyCa, string delegation, bool anonymous);
}
