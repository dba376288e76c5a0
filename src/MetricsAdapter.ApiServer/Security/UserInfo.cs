namespace MetricsAdapter.ApiServer.Security;

/// <summary>Who is asking, as Kubernetes authenticators describe a user.</summary>
public sealed record UserInfo(
    string Name,
    string? Uid,
    IReadOnlyList<string> Groups,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Extra)
{
    public const string AuthenticatedGroup = "system:authenticated";
    public const string UnauthenticatedGroup = "system:unauthenticated";

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> NoExtra = new Dictionary<string, IReadOnlyList<string>>();

    public static UserInfo Anonymous { get; } = new("system:anonymous", null, [UnauthenticatedGroup], NoExtra);

    public static UserInfo Create(string name, IEnumerable<string> groups, string? uid = null, IReadOnlyDictionary<string, IReadOnlyList<string>>? extra = null) =>
        new(name, uid, groups.ToArray(), extra ?? NoExtra);

    /// <summary>Adds <c>system:authenticated</c>, as every authenticated Kubernetes user carries it.</summary>
    public UserInfo WithAuthenticatedGroup() =>
        Groups.Contains(AuthenticatedGroup, StringComparer.Ordinal) ? this : this with { Groups = [.. Groups, AuthenticatedGroup] };
}

/// <summary>The request feature holding the authenticated user.</summary>
public interface IUserFeature
{
    UserInfo User { get; }
}

internal sealed record UserFeature(UserInfo User) : IUserFeature;
