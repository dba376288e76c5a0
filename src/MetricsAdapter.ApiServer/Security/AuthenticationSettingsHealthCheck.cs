using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>Not ready until the ConfigMap the settings follow has been read once (then CA changes only update them).</summary>
public sealed class AuthenticationSettingsHealthCheck(AuthenticationSettingsSource settings) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(settings.FollowsConfigMap && !settings.ConfigMapLoaded
            ? HealthCheckResult.Unhealthy($"{AuthenticationSettingsSource.ConfigMapNamespace}/{AuthenticationSettingsSource.ConfigMapName} has not been read yet")
            : HealthCheckResult.Healthy());
}
