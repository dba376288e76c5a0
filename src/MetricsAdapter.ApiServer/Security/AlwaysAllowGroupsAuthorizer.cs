namespace MetricsAdapter.ApiServer.Security;

/// <summary>Groups allowed everything (<c>--authorization-always-allow-groups</c>, default <c>system:masters</c>).</summary>
public sealed class AlwaysAllowGroupsAuthorizer(IReadOnlyList<string> groups) : IAuthorizer
{
    public ValueTask<AuthorizationResult> AuthorizeAsync(UserInfo user, RequestAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return ValueTask.FromResult(user.Groups.Any(g => groups.Contains(g, StringComparer.Ordinal))
            ? new AuthorizationResult(AuthorizationDecision.Allow, "always-allowed group")
            : AuthorizationResult.NoOpinion);
    }
}
