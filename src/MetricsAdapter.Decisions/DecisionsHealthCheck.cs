using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MetricsAdapter.Decisions;

/// <summary>
/// Readiness detail of the decision pipeline. Never unhealthy: an adapter with no observations must still serve
/// discovery and whatever it has, so it reports <c>Degraded</c> with the reason instead of failing readiness.
/// A model file that was configured but refused keeps readiness too: the statistical default serves, and the detail
/// says which file and why, so a mistyped path does not go unnoticed after the start-up log.
/// </summary>
public sealed class DecisionsHealthCheck(DecisionManager manager, TimeProvider timeProvider, Prediction.Onnx.OnnxModelCatalog? models = null) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var options = manager.Options;
        HealthCheckResult result;
        if (models?.Refused is { Count: > 0 } refused)
        {
            result = HealthCheckResult.Degraded(
                $"model file {refused[0].Path} refused ({refused[0].Reason}); the statistical default serves{(refused.Count > 1 ? $" ({refused.Count - 1} more refused)" : string.Empty)}");
        }
        else if (manager.LastObservation is not { } last)
        {
            result = HealthCheckResult.Degraded(
                $"no observations received in {DecisionRules.Duration(now - manager.StartedAt)} since start; nothing is decided until sidecars publish");
        }
        else if (manager.LastTick is { } tick && now - tick > 4 * options.Tick)
        {
            result = HealthCheckResult.Degraded($"no tick for {DecisionRules.Duration(now - tick)} (every {DecisionRules.Duration(options.Tick)} expected): values are not being refreshed");
        }
        else if (now - last > options.StaleAfter)
        {
            result = HealthCheckResult.Degraded(
                $"no observation for {DecisionRules.Duration(now - last)}; {manager.ServiceCount} services serve fallbacks");
        }
        else
        {
            result = HealthCheckResult.Healthy($"{manager.ServiceCount} services, {manager.Accepted} observations accepted");
        }

        return Task.FromResult(result);
    }
}
