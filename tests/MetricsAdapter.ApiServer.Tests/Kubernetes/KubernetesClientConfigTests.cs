using System.Net;
using MetricsAdapter.ApiServer.Kubernetes;
using MetricsAdapter.ApiServer.Serving;

namespace MetricsAdapter.ApiServer.Tests.Kubernetes;

public sealed class KubernetesClientConfigTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_directory, true);

    [Fact]
    public void FromKubeconfig_TheDevKubeconfig_ReadsServerCaAndClientCertificate()
    {
        var issued = DevelopmentCertificates.Issue(
            new CertificateRequestSet(_directory, ["localhost"], [IPAddress.Loopback], "dev-admin", ["system:masters"]), TimeProvider.System.GetUtcNow());
        var path = Path.Combine(_directory, "kubeconfig");
        File.WriteAllText(path, DevelopmentCertificates.Kubeconfig(new Uri("https://127.0.0.1:6443"), issued));

        var config = KubernetesClientConfig.FromKubeconfig(path);

        Assert.Equal(new Uri("https://127.0.0.1:6443"), config.Server);
        Assert.Single(config.CertificateAuthority!);
        Assert.Equal("O=system:masters, CN=dev-admin", config.ClientCertificate!.Subject);
        Assert.True(config.ClientCertificate.HasPrivateKey);
    }

    [Fact]
    public void FromKubeconfig_TokenAndFileReferences_AreResolvedRelativeToTheFile()
    {
        File.WriteAllText(Path.Combine(_directory, "token"), "abc");
        var path = Path.Combine(_directory, "config");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Config
            current-context: b
            clusters:
            - name: c
              cluster:
                server: https://kube.example:6443
                insecure-skip-tls-verify: true
            users:
            - name: u
              user:
                tokenFile: token
            contexts:
            - name: a
              context: {cluster: missing}
            - name: b
              context: {cluster: c, user: u}
            """);

        var config = KubernetesClientConfig.FromKubeconfig(path);

        Assert.True(config.InsecureSkipTlsVerify);
        Assert.Equal(Path.Combine(_directory, "token"), config.BearerTokenFile);
        var error = Assert.Throws<InvalidDataException>(() => KubernetesClientConfig.FromKubeconfig(path, "a"));
        Assert.Contains("no cluster named \"missing\"", error.Message, StringComparison.Ordinal);
    }
}
