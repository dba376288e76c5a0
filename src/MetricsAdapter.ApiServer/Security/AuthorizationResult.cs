namespace MetricsAdapter.ApiServer.Security;

public readonly record struct AuthorizationResult(AuthorizationDecision Decision, string Reason)
{
    public static AuthorizationResult NoOpinion { get; } = new(AuthorizationDecision.NoOpinion, string.Empty);
}
