namespace MetricsAdapter.ApiServer.Security;

/// <summary>
/// Non-resource paths anyone may read (<c>--authorization-always-allow-paths</c>): health probes and the admission
/// webhook, which kube-apiserver calls without credentials. A trailing <c>*</c> matches a prefix.
/// </summary>
public sealed class AlwaysAllowPathsAuthorizer(IReadOnlyList<string> paths) : IAuthorizer
{
    public bool Matches(string path)
    {
        foreach (var pattern in paths)
        {
            if (pattern.EndsWith('*')
                ? path.AsSpan().StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)
                : string.Equals(pattern, path, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public ValueTask<AuthorizationResult> AuthorizeAsync(UserInfo user, RequestAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        return ValueTask.FromResult(!attributes.IsResourceRequest && Matches(attributes.Path)
            ? new AuthorizationResult(AuthorizationDecision.Allow, "always-allowed path")
            : AuthorizationResult.NoOpinion);
    }
}
