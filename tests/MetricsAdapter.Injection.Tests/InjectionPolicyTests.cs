using System.Text;
using MetricsAdapter.Injection.Admission;
using MetricsAdapter.Injection.Json;
using MetricsAdapter.Injection.Policy;

namespace MetricsAdapter.Injection.Tests;

public sealed class InjectionPolicyTests
{
    private static readonly InjectionPolicy Policy = new(new InjectionOptions { ClusterVersion = "1.30" });

    private static AdmissionRequest Request(string podJson, string operation = "CREATE", string ns = "shop") =>
        new(AdmissionReviewReader.V1, "u", operation, ns, string.Empty, new GroupVersionKind(string.Empty, "v1", "Pod"), "pods", string.Empty, false,
            SparseDocument.Parse(Encoding.UTF8.GetBytes(podJson), IndexPaths.ThisLevel).Root);

    [Theory]
    [InlineData("""{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c"}]}}""", null)]
    [InlineData("""{"metadata":{"labels":{"app":"a"},"annotations":{"metrics-adapter.io/inject":"FALSE"}},"spec":{"containers":[{"name":"c"}]}}""", SkipReasons.OptedOut)]
    [InlineData("""{"metadata":{"labels":{"app":"a"},"annotations":{"metrics-adapter.io/inject":"true"}},"spec":{"containers":[{"name":"c"}]}}""", null)]
    [InlineData("""{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[]}}""", SkipReasons.InvalidPod)]
    [InlineData("""{"metadata":{"labels":{"app":"a"}}}""", SkipReasons.InvalidPod)]
    [InlineData("""{"metadata":{"labels":{"app":"-bad-"}},"spec":{"containers":[{"name":"c"}]}}""", SkipReasons.NoServiceName)]
    [InlineData("""{"metadata":{"labels":{"app":"a"}},"spec":{"hostNetwork":false,"containers":[{"name":"c"}]}}""", null)]
    [InlineData("""{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c"}],"initContainers":[{"name":"metrics-adapter-predictor"}]}}""", SkipReasons.AlreadyInjected)]
    [InlineData("""{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","ports":[{"containerPort":9464}]}]}}""", SkipReasons.PortConflict)]
    [InlineData("""{"metadata":{"labels":{"app":"a"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c"}]}}""", null)]
    public void Decide_Pod_InjectsOrSaysWhyNot(string pod, string? reason)
    {
        var decision = Policy.Decide(Request(pod));

        Assert.Equal(reason, decision.SkipReason);
        Assert.Equal(reason is null, decision.Inject);
    }

    [Theory]
    [InlineData("kube-node-lease", SkipReasons.SystemNamespace)]
    [InlineData("kube-public", SkipReasons.SystemNamespace)]
    [InlineData("metrics-adapter", SkipReasons.AdapterNamespace)]
    public void Decide_ProtectedNamespace_IsSkipped(string ns, string reason)
    {
        Assert.Equal(reason, Policy.Decide(Request("""{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c"}]}}""", ns: ns)).SkipReason);
    }

    [Fact]
    public void Decide_ServiceNamePrecedence_AnnotationThenAppKubernetesIoNameThenApp()
    {
        var all = Policy.Decide(Request("""{"metadata":{"labels":{"app":"c","app.kubernetes.io/name":"b"},"annotations":{"metrics-adapter.io/service":"a"}},"spec":{"containers":[{"name":"x"}]}}"""));
        var labels = Policy.Decide(Request("""{"metadata":{"labels":{"app":"c","app.kubernetes.io/name":"b"}},"spec":{"containers":[{"name":"x"}]}}"""));

        Assert.Equal("a", all.Target!.Service);
        Assert.Equal("b", labels.Target!.Service);
    }
}
