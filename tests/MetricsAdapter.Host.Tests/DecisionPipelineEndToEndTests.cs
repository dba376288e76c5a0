using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Host.Tests;

/// <summary>
/// The real adapter with its embedded broker, fed by the test's own producer as sidecars would feed it; what
/// kubectl reads is checked against what kcat reads on the audit topic. Plus bad input on the observation topic.
/// </summary>
public sealed class PipelineFixture : IAsyncLifetime
{
    private readonly string _configDirectory = Directory.CreateTempSubdirectory("metrics-adapter-e2e-config-").FullName;

    internal AdapterProcess Adapter { get; private set; } = null!;

    internal ObservationFeed Feed { get; private set; } = null!;

    internal string Bootstrap { get; private set; } = string.Empty;

    internal string ReadyBeforeObservations { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var config = Path.Combine(_configDirectory, "adapter.json");
        await File.WriteAllTextAsync(config, """{"Decisions": {"Namespaces": ["shop"], "Labels": {"cluster": "e2e"}}}""");
        Adapter = await AdapterProcess.StartAsync("--config", config);
        Bootstrap = (await File.ReadAllTextAsync(Adapter.KafkaBootstrapFile)).Trim();
        using (var client = Adapter.CreateClient())
        {
            ReadyBeforeObservations = await client.GetStringAsync(new Uri("/readyz?verbose", UriKind.Relative));
        }

        Feed = new ObservationFeed(Bootstrap,
        [
            (ServiceKey.Create("shop", "checkout"), "checkout-a", 20),
            (ServiceKey.Create("shop", "checkout"), "checkout-b", 30),
            (ServiceKey.Create("shop", "search"), "search-a", 7),
        ]);
        await Eventually.WaitAsync(async () => (await Served("predicted_load", "checkout")) is not null, TimeSpan.FromSeconds(90), "a decided value");

        // Now that the consumer group has joined (a new group starts at the topic's end), bad records are consumed too.
        foreach (var record in BadRecords)
        {
            Feed.Publish(Encoding.UTF8.GetBytes(record.Contains("\"other\"", StringComparison.Ordinal) ? "other/checkout" : "shop/checkout"), Encoding.UTF8.GetBytes(record));
        }

        await Eventually.WaitAsync(async () => await Adapter.MetricAsync("metrics_adapter_observations_received_total", "result=\"rejected\"") >= BadRecords.Length,
            TimeSpan.FromSeconds(30), "the bad records to be consumed");
    }

    /// <summary>Not JSON, another schema, impossible values, a namespace that is not served.</summary>
    internal static readonly string[] BadRecords =
    [
        "this is not JSON",
        """{"schema":"metrics-adapter.observation/v2","namespace":"shop","service":"checkout","pod":"p","start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:05Z","requests":1,"sequence":1}""",
        """{"schema":"metrics-adapter.observation/v1","namespace":"shop","service":"checkout","pod":"checkout-a","start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:05Z","requests":-50,"sequence":1}""",
        """{"schema":"metrics-adapter.observation/v1","namespace":"other","service":"checkout","pod":"p","start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:05Z","requests":5,"sequence":1}""",
    ];

    internal async Task<JsonNode?> Served(string metric, string service)
    {
        using var client = Adapter.CreateAdminClient();
        var list = JsonNode.Parse(await client.GetStringAsync(new Uri(
            $"/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/{metric}?labelSelector=service%3D{service}", UriKind.Relative)))!;
        return list["items"]!.AsArray().SingleOrDefault();
    }

    public async Task DisposeAsync()
    {
        await Feed.DisposeAsync();
        await Adapter.DisposeAsync();
        Directory.Delete(_configDirectory, recursive: true);
    }
}

public sealed class DecisionPipelineEndToEndTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
{
    private const string GroupVersion = "/apis/external.metrics.k8s.io/v1beta1";

    [Fact]
    public void Readiness_BeforeAnyObservation_SaysSoWithoutFailing()
    {
        Assert.Contains("[+]decisions ok, degraded: no observations received", fixture.ReadyBeforeObservations, StringComparison.Ordinal);
        Assert.Contains("readyz check passed", fixture.ReadyBeforeObservations, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KubectlAndKcat_TheServedValueIsTheRecordedDecision()
    {
        var (exitCode, stdout, stderr) = await ProcessRunner.RunSplitAsync("kubectl",
            ["--kubeconfig", fixture.Adapter.Kubeconfig, "get", "--raw", $"{GroupVersion}/namespaces/shop/predicted_load?labelSelector=service%3Dcheckout"], TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, stderr);
        var served = Assert.Single(JsonNode.Parse(stdout)!["items"]!.AsArray())!;

        var records = await KcatAsync();

        var id = $"shop/checkout/predicted_load/{served["timestamp"]!.GetValue<string>()}";
        var record = Assert.Single(records, r => r["id"]!.GetValue<string>() == id);
        Assert.Equal(served["value"]!.GetValue<string>(), record["data"]!["value"]!.GetValue<string>());
        Assert.Equal("checkout", record["data"]!["labels"]!["service"]!.GetValue<string>());
        Assert.Equal("e2e", record["data"]!["labels"]!["cluster"]!.GetValue<string>());
        Assert.Equal(served["metricLabels"]!.ToJsonString(), record["data"]!["labels"]!.ToJsonString());
        Assert.Equal("io.metrics-adapter.decision.v1", record["type"]!.GetValue<string>());
        Assert.Equal("shop/checkout", record["subject"]!.GetValue<string>());
        Assert.Equal(2, record["data"]!["inputs"]!["podsReporting"]!.GetValue<int>());
        Assert.InRange(record["data"]!["inputs"]!["observedRequestsPerSecond"]!.GetValue<double>(), 45, 55);
        Assert.Equal(records.Count, records.Select(r => r["id"]!.GetValue<string>()).Distinct().Count());
    }

    [Fact]
    public async Task BadObservations_AreCountedAndSkipped_AndTheServiceIsUnharmed()
    {
        Assert.Equal(1, await fixture.Adapter.MetricAsync("metrics_adapter_observations_rejected_total", "reason=\"not-json\""));
        Assert.Equal(1, await fixture.Adapter.MetricAsync("metrics_adapter_observations_rejected_total", "reason=\"wrong-schema\""));
        Assert.Equal(1, await fixture.Adapter.MetricAsync("metrics_adapter_observations_rejected_total", "reason=\"impossible-value\""));
        Assert.Equal(1, await fixture.Adapter.MetricAsync("metrics_adapter_observations_rejected_total", "reason=\"unknown-namespace\""));
        Assert.True(await fixture.Adapter.MetricAsync("metrics_adapter_observations_received_total", "result=\"accepted\"") > 10);
        Assert.Contains("Skipped observation (not-json)", fixture.Adapter.Output, StringComparison.Ordinal);
        Assert.False(fixture.Adapter.HasExited);

        var search = await fixture.Served("latency_anomaly_score", "search");
        Assert.NotNull(search);
        using var client = fixture.Adapter.CreateAdminClient();
        using var other = await client.GetAsync(new Uri($"{GroupVersion}/namespaces/other/predicted_load", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Empty(JsonNode.Parse(await other.Content.ReadAsStringAsync())!["items"]!.AsArray());
    }

    [Fact]
    public async Task Explain_Json_LastLineHoldsTheDecisionsOfTheService()
    {
        var (exitCode, output) = await ProcessRunner.RunAsync(Path.Combine(SharedData.RepositoryRoot, "metrics-adapter"),
            ["explain", "shop/checkout", "--since", "10m", "--kafka-bootstrap", fixture.Bootstrap, "--json"], TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("TIME (UTC)", StringComparison.Ordinal));
        var json = JsonNode.Parse(lines[^1])!;
        Assert.Equal("shop/checkout", json["subject"]!.GetValue<string>());
        var decisions = json["decisions"]!.AsArray();
        Assert.NotEmpty(decisions);
        Assert.All(decisions, d => Assert.Equal("shop/checkout", d!["subject"]!.GetValue<string>()));
        Assert.Contains(decisions, d => d!["data"]!["metric"]!.GetValue<string>() == "latency_anomaly_score");
        Assert.Contains(lines, l => l.Contains("predicted_load", StringComparison.Ordinal) && l.Contains("req/s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Explain_BadArguments_SayWhy()
    {
        var (badService, badServiceOutput) = await AdapterProcess.RunCliAsync("explain", "not-a-service");
        var (badSince, badSinceOutput) = await AdapterProcess.RunCliAsync("explain", "shop/checkout", "--since", "yesterday", "--kafka-bootstrap", fixture.Bootstrap);

        Assert.Equal(2, badService);
        Assert.Contains("not namespace/service", badServiceOutput, StringComparison.Ordinal);
        Assert.Equal(2, badSince);
        Assert.Contains("--since yesterday", badSinceOutput, StringComparison.Ordinal);
    }

    private async Task<List<JsonNode>> KcatAsync()
    {
        var (exitCode, stdout, stderr) = await ProcessRunner.RunSplitAsync("kcat",
            ["-b", fixture.Bootstrap, "-C", "-t", "metrics-adapter.decisions", "-o", "beginning", "-e", "-q", "-f", "%s\\n"], TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, stderr);
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!)];
    }
}
