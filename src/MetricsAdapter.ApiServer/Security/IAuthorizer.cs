namespace MetricsAdapter.ApiServer.Security;

/// <summary>One authorization rule.</summary>
public interface IAuthorizer
{
    ValueTask<AuthorizationResult> AuthorizeAsync(UserInfo user, RequestAttributes attributes, CancellationToken cancellationToken);
}
