using MetricsAdapter.ApiServer.Serving;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace MetricsAdapter.ApiServer.Health;

/// <summary>The checks every server of ours has: liveness ping, shutdown and serving-certificate readiness.</summary>
public static class ApiServerHealthChecks
{
    public static IHealthChecksBuilder AddApiServerHealthChecks(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddHealthChecks()
            .AddCheck("ping", () => HealthCheckResult.Healthy(), [KubernetesHealthEndpoints.LiveTag, KubernetesHealthEndpoints.ReadyTag])
            .AddCheck<ShutdownHealthCheck>("shutdown", tags: [KubernetesHealthEndpoints.ReadyTag])
            .AddCheck<ServingCertificateHealthCheck>("serving-certificate", tags: [KubernetesHealthEndpoints.ReadyTag]);
    }

    /// <summary>Not ready once shutdown has begun, so endpoints are removed before connections are refused.</summary>
    private sealed class ShutdownHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
                ? HealthCheckResult.Unhealthy("the server is shutting down")
                : HealthCheckResult.Healthy());
    }

    /// <summary>Not ready while the serving certificate is expired or not yet valid: clients would refuse the handshake.</summary>
    private sealed class ServingCertificateHealthCheck(ServingCertificateSource source, TimeProvider timeProvider) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var certificate = source.Current;
            var now = timeProvider.GetUtcNow();
            return Task.FromResult(now > certificate.NotAfter.ToUniversalTime() || now < certificate.NotBefore.ToUniversalTime()
                ? HealthCheckResult.Unhealthy($"serving certificate {certificate.Subject} is valid only from {certificate.NotBefore:O} to {certificate.NotAfter:O}")
                : HealthCheckResult.Healthy());
        }
    }
}
