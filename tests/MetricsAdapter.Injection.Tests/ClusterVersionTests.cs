using System.Net;
using System.Text;
using k8s;
using MetricsAdapter.ApiServer.Kubernetes;
using MetricsAdapter.Injection.Admission;
using MetricsAdapter.Injection.Json;
using MetricsAdapter.Injection.Policy;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetricsAdapter.Injection.Tests;

/// <summary><c>--native-sidecars auto</c> follows what kube-apiserver reports, through KubernetesClient, unless a version is configured.</summary>
public sealed class ClusterVersionTests
{
    private const string Deployment = """{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c"}]}}""";
    private const string Job = """{"metadata":{"labels":{"app":"a"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c"}]}}""";

    private static AdmissionRequest Request(string podJson) =>
        new(AdmissionReviewReader.V1, "u", "CREATE", "shop", string.Empty, new GroupVersionKind(string.Empty, "v1", "Pod"), "pods", string.Empty, false,
            SparseDocument.Parse(Encoding.UTF8.GetBytes(podJson), IndexPaths.ThisLevel).Root);

    private static async Task<(InjectionPolicy Policy, ClusterVersionSource Cluster)> DiscoverAsync(string major, string minor, string? configured = null)
    {
        var options = new InjectionOptions { ClusterVersion = configured };
        var cluster = new ClusterVersionSource();
        using var connection = KubernetesConnection.Create(new KubernetesClientConfiguration { Host = "http://kube" },
            new VersionHandler($$"""{"major":"{{major}}","minor":"{{minor}}","gitVersion":"v{{major}}.{{minor.TrimEnd('+')}}.3-eks-1"}"""));
        using var refresher = new ClusterVersionRefresher(connection, cluster, options, TimeProvider.System, NullLogger<ClusterVersionRefresher>.Instance);
        await refresher.RefreshAsync(connection.Client!, CancellationToken.None);
        return (new InjectionPolicy(options, cluster), cluster);
    }

    [Fact]
    public async Task Cluster128_GetsARegularContainer_AndRunToCompletionPodsAreLeftAlone()
    {
        var (policy, cluster) = await DiscoverAsync("1", "28");

        Assert.Equal(new Version(1, 28), cluster.Discovered);
        Assert.False(policy.Decide(Request(Deployment)).Target!.Native);
        Assert.Equal(SkipReasons.RunToCompletionWithoutNativeSidecars, policy.Decide(Request(Job)).SkipReason);
    }

    [Fact]
    public async Task Cluster131_WithAManagedMinor_GetsANativeSidecar()
    {
        var (policy, cluster) = await DiscoverAsync("1", "31+");

        Assert.Equal(new Version(1, 31), cluster.Discovered);
        Assert.True(policy.Decide(Request(Deployment)).Target!.Native);
        Assert.True(policy.Decide(Request(Job)).Inject);
    }

    [Fact]
    public async Task ConfiguredVersion_OverridesWhatTheClusterReports()
    {
        var (policy, _) = await DiscoverAsync("1", "28", configured: "1.30");

        Assert.True(policy.Decide(Request(Deployment)).Target!.Native);
    }

    [Fact]
    public void VersionUnknown_IsARegularContainer()
    {
        Assert.False(new InjectionPolicy(new InjectionOptions(), new ClusterVersionSource()).Decide(Request(Deployment)).Target!.Native);
    }

    /// <summary>kube-apiserver's /version, answered in memory (the client adds its socket handler after ours and never reaches it).</summary>
    private sealed class VersionHandler(string body) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(request.RequestUri!.AbsolutePath.TrimEnd('/') == "/version"
                ? new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new StringContent(body, Encoding.UTF8, "application/json") }
                : new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request });
    }
}
