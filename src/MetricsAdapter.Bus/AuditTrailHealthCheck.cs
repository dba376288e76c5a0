using MetricsAdapter.Bus.Spool;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MetricsAdapter.Bus;

/// <summary>
/// Readiness detail of the audit trail. Never unhealthy: while Kafka is away decisions go to the spool and the
/// adapter keeps serving, so readiness must not fail; it reports <c>Degraded</c> with what is waiting.
/// </summary>
public sealed class AuditTrailHealthCheck(DecisionSpool spool, KafkaConnectivity connectivity, TimeProvider timeProvider) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var depth = spool.Depth;
        var percent = spool.MaxBytes == 0 ? 0 : 100.0 * spool.Bytes / spool.MaxBytes;
        var detail = $"{depth} decisions waiting in the spool ({percent:0.#}% full)";
        HealthCheckResult result;
        if (spool.Refused > 0 && percent >= 99)
        {
            result = HealthCheckResult.Degraded($"the spool is full: new decisions are not served; {detail}");
        }
        else if (connectivity.DownSince(KafkaDecisionShipper.Role) is { } since)
        {
            result = HealthCheckResult.Degraded($"Kafka unreachable for {(timeProvider.GetUtcNow() - since).TotalSeconds:0}s; {detail}");
        }
        else
        {
            result = HealthCheckResult.Healthy(detail);
        }

        return Task.FromResult(result);
    }
}
