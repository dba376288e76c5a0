using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace MetricsAdapter.ApiServer.Kubernetes;

/// <summary>
/// How to reach kube-apiserver: from the pod's service account (in-cluster) or a kubeconfig file. Only what our
/// calls need is read: server, CA, client certificate, bearer token (inline or file).
/// </summary>
public sealed record KubernetesClientConfig
{
    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    public required Uri Server { get; init; }

    /// <summary>Trust anchors for the server; the system store when null.</summary>
    public X509Certificate2Collection? CertificateAuthority { get; init; }

    public bool InsecureSkipTlsVerify { get; init; }

    public string? BearerToken { get; init; }

    /// <summary>Re-read periodically: projected service-account tokens rotate.</summary>
    public string? BearerTokenFile { get; init; }

    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The pod's own service account, or null outside a cluster.</summary>
    public static KubernetesClientConfig? InCluster(string serviceAccountDirectory = ServiceAccountDirectory)
    {
        var host = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST");
        var port = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT");
        var tokenFile = Path.Combine(serviceAccountDirectory, "token");
        var caFile = Path.Combine(serviceAccountDirectory, "ca.crt");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port) || !File.Exists(tokenFile))
        {
            return null;
        }

        var authority = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
        return new KubernetesClientConfig
        {
            Server = new Uri($"https://{authority}"),
            CertificateAuthority = File.Exists(caFile) ? Serving.CertificateValidation.LoadBundle(caFile) : null,
            BearerTokenFile = tokenFile,
        };
    }

    /// <summary>Reads a kubeconfig's current (or named) context.</summary>
    /// <exception cref="InvalidDataException">The file is not a usable kubeconfig; the message says what is missing.</exception>
    public static KubernetesClientConfig FromKubeconfig(string path, string? contextName = null)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            yaml.Load(reader);
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new InvalidDataException($"{path} is not a kubeconfig");
        }

        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        contextName ??= Scalar(root, "current-context") ?? throw new InvalidDataException($"{path} has no current-context");
        var context = Named(root, "contexts", contextName, "context", path);
        var clusterName = Scalar(context, "cluster") ?? throw new InvalidDataException($"context {contextName} in {path} names no cluster");
        var cluster = Named(root, "clusters", clusterName, "cluster", path);
        var userName = Scalar(context, "user");
        var user = userName is null ? null : Named(root, "users", userName, "user", path);

        var server = Scalar(cluster, "server") ?? throw new InvalidDataException($"cluster {clusterName} in {path} has no server");
        X509Certificate2? clientCertificate = null;
        if (user is not null)
        {
            var certPem = Pem(user, "client-certificate-data", "client-certificate", baseDirectory);
            var keyPem = Pem(user, "client-key-data", "client-key", baseDirectory);
            if (certPem is not null && keyPem is not null)
            {
                clientCertificate = X509Certificate2.CreateFromPem(certPem, keyPem);
            }
        }

        X509Certificate2Collection? authority = null;
        if (Pem(cluster, "certificate-authority-data", "certificate-authority", baseDirectory) is { } caPem)
        {
            authority = [];
            authority.ImportFromPem(caPem);
        }

        var tokenFile = user is null ? null : Scalar(user, "tokenFile");
        return new KubernetesClientConfig
        {
            Server = new Uri(server),
            CertificateAuthority = authority,
            InsecureSkipTlsVerify = string.Equals(Scalar(cluster, "insecure-skip-tls-verify"), "true", StringComparison.OrdinalIgnoreCase),
            BearerToken = user is null ? null : Scalar(user, "token"),
            BearerTokenFile = tokenFile is null ? null : Path.Combine(baseDirectory, tokenFile),
            ClientCertificate = clientCertificate,
        };
    }

    private static YamlMappingNode Named(YamlMappingNode root, string listKey, string name, string innerKey, string path)
    {
        if (root.Children.TryGetValue(new YamlScalarNode(listKey), out var list) && list is YamlSequenceNode sequence)
        {
            foreach (var entry in sequence.Children.OfType<YamlMappingNode>())
            {
                if (Scalar(entry, "name") == name && entry.Children.TryGetValue(new YamlScalarNode(innerKey), out var inner) && inner is YamlMappingNode mapping)
                {
                    return mapping;
                }
            }
        }

        throw new InvalidDataException($"{path} has no {innerKey} named \"{name}\"");
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private static string? Pem(YamlMappingNode node, string dataKey, string fileKey, string baseDirectory)
    {
        if (Scalar(node, dataKey) is { } data)
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(data));
        }

        return Scalar(node, fileKey) is { } file ? File.ReadAllText(Path.Combine(baseDirectory, file)) : null;
    }
}
