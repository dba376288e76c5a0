namespace MetricsAdapter.ApiServer.Security;

/// <summary>
/// Authentication and authorization flags, named as Kubernetes API servers name them. Bound from configuration
/// section <c>Security</c>.
/// </summary>
public sealed record SecurityOptions
{
    public const string SectionName = "Security";

    /// <summary><c>--client-ca-file</c>: client certificates signed by it authenticate as CN/O. Default none.</summary>
    public string? ClientCaFile { get; init; }

    /// <summary><c>--requestheader-client-ca-file</c>: the front proxy's CA; enables X-Remote-* headers. Default none.</summary>
    public string? RequestHeaderClientCaFile { get; init; }

    /// <summary><c>--requestheader-allowed-names</c>: front-proxy CNs accepted; empty accepts any. Default empty.</summary>
    public IReadOnlyList<string> RequestHeaderAllowedNames { get; init; } = [];

    /// <summary><c>--anonymous-auth</c>: requests without credentials become system:anonymous (else 401). Default true.</summary>
    public bool AnonymousAuth { get; init; } = true;

    public static IReadOnlyList<string> DefaultAlwaysAllowGroups { get; } = ["system:masters"];

    public static IReadOnlyList<string> DefaultAlwaysAllowPaths { get; } = ["/healthz", "/healthz/*", "/readyz", "/readyz/*", "/livez", "/livez/*"];

    /// <summary>
    /// <c>--authorization-always-allow-groups</c>. Default (when unset) <see cref="DefaultAlwaysAllowGroups"/>.
    /// Nullable so that a configured list replaces the default rather than being appended to it by the binder.
    /// </summary>
    public IReadOnlyList<string>? AlwaysAllowGroups { get; init; }

    /// <summary>
    /// <c>--authorization-always-allow-paths</c>, served to anyone without authentication. Default (when unset)
    /// <see cref="DefaultAlwaysAllowPaths"/>.
    /// </summary>
    public IReadOnlyList<string>? AlwaysAllowPaths { get; init; }

    /// <summary>
    /// <c>--kubeconfig</c>: reach kube-apiserver for TokenReview, SubjectAccessReview and the
    /// extension-apiserver-authentication ConfigMap. Inside a pod the service account is used when this is empty.
    /// </summary>
    public string? Kubeconfig { get; init; }

    /// <summary><c>--authentication-skip-lookup</c>: do not read the ConfigMap; use only the flags. Default false.</summary>
    public bool AuthenticationSkipLookup { get; init; }

    /// <summary>Never talk to kube-apiserver, even in a pod (local runs, tests). Default false.</summary>
    public bool DisableDelegation { get; init; }

    /// <summary>How often the CA files of the flags are checked for a rotation. Default 10 seconds.</summary>
    public TimeSpan CaReloadInterval { get; init; } = TimeSpan.FromSeconds(10);
}
