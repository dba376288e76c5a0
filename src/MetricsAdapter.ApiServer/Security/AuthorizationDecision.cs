namespace MetricsAdapter.ApiServer.Security;

public enum AuthorizationDecision
{
    NoOpinion,
    Allow,
    Deny,

    /// <summary>The decision could not be made (kube-apiserver unreachable): answered with a 500, never an allow.</summary>
    Error,
}
