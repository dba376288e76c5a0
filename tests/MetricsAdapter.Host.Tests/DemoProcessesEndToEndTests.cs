using System.Diagnostics;
using System.Text.Json.Nodes;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Host.Tests;

/// <summary>
/// serve --demo across processes, as make run starts it: the demo app, one sidecar process per demo pod scraping it,
/// the embedded broker, the decision manager, the API (kubectl) and the audit topic (kcat).
/// </summary>
public sealed class DemoProcessesEndToEndTests
{
    private const int DemoPods = 6;

    [Fact]
    public async Task ServeDemo_SidecarProcessesFeedTheDecisionManager_AndNoneOutliveIt()
    {
        await using var adapter = await AdapterProcess.StartAsync("--demo");
        await Eventually.WaitAsync(() => Sidecars(adapter).Count == DemoPods, TimeSpan.FromSeconds(60), "six sidecar processes");
        var sidecars = Sidecars(adapter);
        Assert.Equal(
            ["checkout-demo-0", "checkout-demo-1", "frontend-demo-0", "frontend-demo-1", "search-demo-0", "search-demo-1"],
            sidecars.Select(s => s.Environment["POD_NAME"]).Order(StringComparer.Ordinal));
        Assert.Single(ChildProcesses.Of(adapter.ProcessId), c => c.CommandLine.Contains(" demo-app ", StringComparison.Ordinal));

        // The observations on the topic are the sidecars' own: their version, their pods, counts from the app's counters.
        var bootstrap = (await File.ReadAllTextAsync(adapter.KafkaBootstrapFile)).Trim();
        List<JsonNode> observations = [];
        await Eventually.WaitAsync(async () =>
        {
            observations = await KcatAsync(bootstrap, "metrics-adapter.observations");
            return observations.Any(o => o["requests"]!.GetValue<double>() > 0 && o["latency"] is JsonObject)
                && observations.Select(o => o["pod"]!.GetValue<string>()).Distinct().Count() == DemoPods;
        }, TimeSpan.FromSeconds(90), "observations with counts from every demo pod");
        Assert.All(observations, o => Assert.Equal(Core.BuildVersion.Semantic, o["sidecar"]!.GetValue<string>()));

        // kubectl reads what the decision manager decided from them, and the audit topic says how many pods reported.
        await Eventually.WaitAsync(async () =>
        {
            var (exitCode, stdout, _) = await ProcessRunner.RunSplitAsync("kubectl",
                ["--kubeconfig", adapter.Kubeconfig, "get", "--raw", "/apis/external.metrics.k8s.io/v1beta1/namespaces/demo/predicted_load?labelSelector=service%3Dcheckout"],
                TimeSpan.FromSeconds(30));
            return exitCode == 0 && JsonNode.Parse(stdout)!["items"]!.AsArray().Count == 1;
        }, TimeSpan.FromSeconds(90), "predicted_load of checkout through kubectl");
        // Both checkout pods in one decision: on a loaded machine the second sidecar may join a tick or two later.
        await Eventually.WaitAsync(async () => (await KcatAsync(bootstrap, "metrics-adapter.decisions")).Any(d => d["subject"]!.GetValue<string>() == "demo/checkout"
            && d["data"]!["inputs"]!["podsReporting"]?.GetValue<int>() == 2), TimeSpan.FromSeconds(90), "a decision of demo/checkout from both its pods");

        // A crashed sidecar is restarted.
        var victim = sidecars[0];
        Process.GetProcessById(victim.Id).Kill();
        await Eventually.WaitAsync(
            () => Sidecars(adapter).Any(s => s.Id != victim.Id && s.Environment["POD_NAME"] == victim.Environment["POD_NAME"]),
            TimeSpan.FromSeconds(30), "the crashed sidecar to be restarted");

        // Stopping the adapter stops every child.
        var children = ChildProcesses.Of(adapter.ProcessId).Select(c => c.Id).ToList();
        Assert.Equal(0, await adapter.InterruptAsync(TimeSpan.FromSeconds(30)));
        await Eventually.WaitAsync(() => !children.Any(ChildProcesses.IsRunning), TimeSpan.FromSeconds(15), "every child to exit");
        Assert.Contains("Restarting", adapter.Output.Replace("restarting", "Restarting", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static List<ChildProcess> Sidecars(AdapterProcess adapter) =>
        [.. ChildProcesses.Of(adapter.ProcessId).Where(c => c.CommandLine.Contains("metrics-adapter-sidecar", StringComparison.Ordinal))];

    private static async Task<List<JsonNode>> KcatAsync(string bootstrap, string topic)
    {
        var (exitCode, stdout, stderr) = await ProcessRunner.RunSplitAsync("kcat",
            ["-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\\n"], TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, stderr);
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!)];
    }
}
