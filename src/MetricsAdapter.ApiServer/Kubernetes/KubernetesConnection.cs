using k8s;
using MetricsAdapter.ApiServer.Security;

namespace MetricsAdapter.ApiServer.Kubernetes;

/// <summary>
/// The way to kube-apiserver, or none: built by KubernetesClient from <c>--kubeconfig</c> or, inside a pod, from the
/// service account, exactly as the library resolves them (exec credential plugins, a token file re-read as it rotates,
/// the cluster CA, <c>HTTPS_PROXY</c>/<c>NO_PROXY</c>). None when delegation is disabled or we run outside a cluster
/// without a kubeconfig: then nothing is delegated and the flags alone decide.
/// </summary>
public sealed class KubernetesConnection : IDisposable
{
    private KubernetesConnection(IKubernetes? client, string description)
    {
        Client = client;
        Description = description;
    }

    public static KubernetesConnection None { get; } = new(null, "none");

    /// <summary>The client; null without a connection.</summary>
    public IKubernetes? Client { get; }

    /// <summary>Where it leads, for logs: the server address, or "none".</summary>
    public string Description { get; }

    /// <summary>From the security options.</summary>
    /// <exception cref="InvalidOperationException">The kubeconfig is unusable; the message says why.</exception>
    public static KubernetesConnection FromOptions(SecurityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.DisableDelegation)
        {
            return None;
        }

        KubernetesClientConfiguration configuration;
        try
        {
            if (options.Kubeconfig is { Length: > 0 } kubeconfig)
            {
                configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
            }
            else if (KubernetesClientConfiguration.IsInCluster())
            {
                configuration = KubernetesClientConfiguration.InClusterConfig();
            }
            else
            {
                return None;
            }
        }
        catch (Exception exception) when (exception is k8s.Exceptions.KubeConfigException or k8s.Exceptions.KubernetesClientException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"--kubeconfig {options.Kubeconfig}: {exception.Message}", exception);
        }

        return Create(configuration);
    }

    /// <summary>A connection from a client configuration; <paramref name="handlers"/> run in order before the network.</summary>
    public static KubernetesConnection Create(KubernetesClientConfiguration configuration, params DelegatingHandler[] handlers)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var client = new k8s.Kubernetes(configuration, handlers) { HttpClientTimeout = TimeSpan.FromSeconds(10) };
        return new KubernetesConnection(client, client.BaseUri.ToString());
    }

    public void Dispose() => Client?.Dispose();
}
