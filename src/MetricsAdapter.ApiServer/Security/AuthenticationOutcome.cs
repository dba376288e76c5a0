namespace MetricsAdapter.ApiServer.Security;

/// <summary>What an authenticator concluded: a user, "not mine" (try the next), or a failure with its reason.</summary>
public readonly record struct AuthenticationOutcome(UserInfo? User, string? Error)
{
    public static AuthenticationOutcome NotApplicable => default;

    public static AuthenticationOutcome Success(UserInfo user) => new(user, null);

    public static AuthenticationOutcome Failure(string error) => new(null, error);
}
