using System.Security.Cryptography.X509Certificates;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>
/// Which client certificates and front-proxy headers are trusted. Comes from flags, merged over the
/// <c>kube-system/extension-apiserver-authentication</c> ConfigMap when the cluster is reachable.
/// </summary>
public sealed record AuthenticationSettings
{
    public static AuthenticationSettings None { get; } = new();

    /// <summary>CAs whose client certificates authenticate as CN (user) and O (groups).</summary>
    public X509Certificate2Collection ClientCa { get; init; } = [];

    /// <summary>CAs of the front proxy (kube-aggregator); empty disables header authentication.</summary>
    public X509Certificate2Collection RequestHeaderCa { get; init; } = [];

    /// <summary>CNs the front proxy's certificate may have; empty means any signed by <see cref="RequestHeaderCa"/>.</summary>
    public IReadOnlyList<string> RequestHeaderAllowedNames { get; init; } = [];

    public IReadOnlyList<string> UsernameHeaders { get; init; } = ["X-Remote-User"];

    public IReadOnlyList<string> GroupHeaders { get; init; } = ["X-Remote-Group"];

    public IReadOnlyList<string> ExtraHeaderPrefixes { get; init; } = ["X-Remote-Extra-"];

    public IReadOnlyList<string> UidHeaders { get; init; } = ["X-Remote-Uid"];
}
