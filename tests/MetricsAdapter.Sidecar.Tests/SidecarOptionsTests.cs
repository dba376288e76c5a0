using System.Text;
using System.Text.Json.Nodes;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Injection;
using MetricsAdapter.Injection.Admission;
using MetricsAdapter.Injection.Json;
using MetricsAdapter.Injection.Mutation;
using MetricsAdapter.Injection.Policy;
using MetricsAdapter.Sidecar.Exposition;

namespace MetricsAdapter.Sidecar.Tests;

public sealed class SidecarOptionsTests
{
    private const string PodName = "checkout-7d9f8c6b5-x2x4q";

    private const string Pod = """
        {
          "apiVersion": "v1",
          "kind": "Pod",
          "metadata": {
            "name": "checkout-7d9f8c6b5-x2x4q",
            "namespace": "shop",
            "labels": { "app": "checkout", "pod-template-hash": "7d9f8c6b5" },
            "annotations": { "metrics-adapter.io/metrics-port": "9102", "metrics-adapter.io/metrics-path": "/stats/prometheus" }
          },
          "spec": {
            "containers": [ { "name": "app", "image": "shop/checkout:1.4.2", "ports": [ { "containerPort": 9102 } ] } ]
          }
        }
        """;

    /// <summary>A complete, valid environment, so a test's one bad setting is its only problem.</summary>
    private static readonly Dictionary<string, string> Valid = new(StringComparer.Ordinal)
    {
        [SidecarContract.PodName] = PodName,
        [SidecarContract.PodNamespace] = "shop",
        [SidecarContract.NodeName] = "node-a",
        [SidecarContract.Service] = "checkout",
        [SidecarContract.ScrapePort] = "9102",
        [SidecarContract.ScrapePath] = "/metrics",
        [SidecarContract.KafkaBootstrap] = "kafka:9092",
    };

    [Fact]
    public void Inject_PodAlreadyMountingAVolumeOfTheSecretsName_KeepsOneVolume()
    {
        var pod = JsonNode.Parse(Pod)!.AsObject();
        pod["spec"]!["volumes"] = new JsonArray(new JsonObject { ["name"] = SidecarContract.KafkaSecretVolume, ["secret"] = new JsonObject { ["secretName"] = "own" } });
        using var document = SparseDocument.Parse(Encoding.UTF8.GetBytes(pod.ToJsonString()), IndexPaths.All);
        var options = new InjectionOptions { KafkaSecretName = "kafka-client" };

        var desired = JsonNode.Parse(new SidecarInjector(options).Inject(document.Root, new InjectionTarget("checkout", 9102, "/metrics", false)).ToJsonString())!;

        var volume = Assert.Single(desired["spec"]!["volumes"]!.AsArray());
        Assert.Equal("own", (string)volume!["secret"]!["secretName"]!);
    }

    [Theory]
    [InlineData("1.30", "initContainers")]
    [InlineData(null, "containers")]
    public void Read_EnvironmentTheWebhookWrites_IsReadWithoutProblems(string? clusterVersion, string list)
    {
        var options = new InjectionOptions { KafkaBootstrap = "kafka:9092", KafkaSecretName = "kafka-client", ClusterVersion = clusterVersion };
        var pod = InjectedPod(options);
        var sidecar = pod["spec"]![list]!.AsArray().Single(c => (string?)c!["name"] == options.ContainerName)!.AsObject();
        var args = sidecar["args"]!.AsArray().Select(a => (string)a!).ToList();
        var env = Environment(sidecar);

        var read = SidecarOptions.Read(args, name => env.GetValueOrDefault(name));

        Assert.Empty(read.Problems);
        Assert.Equal("*", read.ListenHost);
        Assert.Equal(9464, read.ListenPort);
        Assert.Equal(SidecarContract.DefaultPort, read.ListenPort);
        Assert.Equal("checkout", read.Service);
        Assert.Equal("shop", read.Namespace);
        Assert.Equal(PodName, read.Pod);
        Assert.Equal("node-a", read.Node);
        Assert.True(read.HasIdentity);
        Assert.Equal(new Uri("http://127.0.0.1:9102/stats/prometheus"), read.ScrapeUri);
        Assert.Equal("kafka:9092", read.KafkaBootstrap);
        Assert.Equal(SidecarContract.KafkaSecretMountPath, read.KafkaSecretDirectory);
        Assert.Subset(new HashSet<string>(SidecarContract.Reserved), env.Keys.ToHashSet());

        // The Secret is mounted where the sidecar looks for it, read-only, and optional so a missing Secret never blocks the pod.
        var mount = Assert.Single(sidecar["volumeMounts"]!.AsArray())!;
        Assert.Equal(SidecarContract.KafkaSecretMountPath, (string?)mount["mountPath"]);
        Assert.Equal(read.KafkaSecretDirectory, (string?)mount["mountPath"]);
        Assert.True((bool)mount["readOnly"]!);
        var volume = pod["spec"]!["volumes"]!.AsArray().Single(v => (string?)v!["name"] == (string?)mount["name"])!;
        Assert.Equal(SidecarContract.KafkaSecretVolume, (string?)volume["name"]);
        Assert.Equal("kafka-client", (string?)volume["secret"]!["secretName"]);
        Assert.True((bool)volume["secret"]!["optional"]!);
    }

    [Fact]
    public void Read_WebhookWithoutKafkaSettings_SaysObservationsAreNotSent()
    {
        var pod = InjectedPod(new InjectionOptions { ClusterVersion = "1.30" });
        var sidecar = pod["spec"]!["initContainers"]![0]!.AsObject();
        var env = Environment(sidecar);

        var read = SidecarOptions.Read(sidecar["args"]!.AsArray().Select(a => (string)a!).ToList(), name => env.GetValueOrDefault(name));

        Assert.Null(sidecar["volumeMounts"]);
        Assert.Equal(string.Empty, read.KafkaBootstrap);
        Assert.Contains(SidecarContract.KafkaBootstrap, Assert.Single(read.Problems), StringComparison.Ordinal);
        Assert.True(read.HasIdentity);
    }

    [Fact]
    public void Read_NoArgumentsAndValidEnvironment_Defaults()
    {
        var read = Read([]);

        Assert.Empty(read.Problems);
        Assert.Equal(9464, read.ListenPort);
        Assert.Equal(TimeSpan.FromSeconds(5), read.ScrapeInterval);
        Assert.Equal(TimeSpan.FromSeconds(4), read.ScrapeTimeout);
        Assert.Same(MetricConvention.Defaults, read.Conventions);
        Assert.Equal(["5"], read.ErrorStatusPrefixes);
        Assert.Equal(10_000, read.MaxSeries);
        Assert.Equal(720, read.BufferCapacity);
        Assert.Equal("metrics-adapter.observations", read.ObservationsTopic);
        Assert.Equal(new Uri("http://127.0.0.1:9102/metrics"), read.ScrapeUri);
    }

    [Theory]
    [InlineData("--listen=:99999")]
    [InlineData("--listen=:0")]
    [InlineData("--listen=abc")]
    [InlineData("--listen=")]
    [InlineData("--listen=:-1")]
    public void Read_BadListenPort_ProblemAndDefaultPort(string arg)
    {
        var read = Read(["sidecar", arg]);

        Assert.Single(read.Problems);
        Assert.Equal(9464, read.ListenPort);
        Assert.Equal("*", read.ListenHost);
    }

    [Theory]
    [InlineData("--listen=127.0.0.1:9500", "127.0.0.1", 9500)]
    [InlineData("--listen=[::1]:9501", "::1", 9501)]
    [InlineData("--listen=:9502", "*", 9502)]
    public void Read_ListenAddress_HostAndPort(string arg, string host, int port)
    {
        var read = Read(["sidecar", arg]);

        Assert.Empty(read.Problems);
        Assert.Equal(host, read.ListenHost);
        Assert.Equal(port, read.ListenPort);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("0.5s")]
    [InlineData("500ms")]
    [InlineData("10m")]
    [InlineData("-5s")]
    [InlineData("abc")]
    [InlineData("NaNs")]
    [InlineData("1e400s")]
    [InlineData("1e15s")]
    public void Read_BadInterval_ProblemAndFiveSeconds(string interval)
    {
        var read = Read([], (SidecarOptions.ScrapeIntervalVariable, interval));

        Assert.Contains(SidecarOptions.ScrapeIntervalVariable, Assert.Single(read.Problems), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(5), read.ScrapeInterval);
        Assert.Equal(TimeSpan.FromSeconds(4), read.ScrapeTimeout);
    }

    [Theory]
    [InlineData("2s", 2000, 1600)]
    [InlineData("1m", 60_000, 4000)]
    [InlineData("1500ms", 1500, 1200)]
    [InlineData("5m", 300_000, 4000)]
    public void Read_Interval_DefaultTimeoutIsEightyPercentAtMostFourSeconds(string interval, int intervalMs, int timeoutMs)
    {
        var read = Read([], (SidecarOptions.ScrapeIntervalVariable, interval));

        Assert.Empty(read.Problems);
        Assert.Equal(TimeSpan.FromMilliseconds(intervalMs), read.ScrapeInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(timeoutMs), read.ScrapeTimeout);
    }

    [Theory]
    [InlineData("5s")]
    [InlineData("6s")]
    [InlineData("50ms")]
    public void Read_TimeoutNotShorterThanTheInterval_ProblemAndDefault(string timeout)
    {
        var read = Read([], (SidecarOptions.ScrapeIntervalVariable, "5s"), (SidecarOptions.ScrapeTimeoutVariable, timeout));

        Assert.Contains(SidecarOptions.ScrapeTimeoutVariable, Assert.Single(read.Problems), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(4), read.ScrapeTimeout);
        Assert.True(read.ScrapeTimeout < read.ScrapeInterval);
    }

    [Fact]
    public void Read_UnknownArgument_ProblemNamingIt()
    {
        var read = Read(["sidecar", "--verbose", "--exit-with-parent"]);

        Assert.Contains("--verbose", Assert.Single(read.Problems), StringComparison.Ordinal);
        Assert.True(read.ExitWithParent);
    }

    [Fact]
    public void Read_NoIdentity_HasIdentityFalseAndAProblemEach()
    {
        var read = SidecarOptions.Read(["sidecar"], _ => null);

        Assert.False(read.HasIdentity);
        Assert.Equal(4, read.Problems.Count);
        Assert.Contains(read.Problems, p => p.StartsWith(SidecarContract.PodNamespace, StringComparison.Ordinal));
        Assert.Contains(read.Problems, p => p.StartsWith(SidecarContract.Service, StringComparison.Ordinal));
        Assert.Contains(read.Problems, p => p.StartsWith(SidecarContract.PodName, StringComparison.Ordinal));
        Assert.Contains(read.Problems, p => p.StartsWith(SidecarContract.KafkaBootstrap, StringComparison.Ordinal));
        Assert.Null(read.Node);
    }

    [Theory]
    [InlineData(SidecarContract.PodNamespace, "Shop_Floor")]
    [InlineData(SidecarContract.Service, "has/slash")]
    [InlineData(SidecarContract.PodName, "-pod-")]
    [InlineData(SidecarContract.Service, "   ")]
    public void Read_InvalidIdentityPart_NotPublished(string variable, string value)
    {
        var read = Read([], (variable, value));

        Assert.False(read.HasIdentity);
        Assert.Contains(variable, Assert.Single(read.Problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kafka:9092, other:9092")]
    [InlineData("kafka:9092\tother:9092")]
    public void Read_BadBootstrap_ProblemAndNotSent(string bootstrap)
    {
        var read = Read([], (SidecarContract.KafkaBootstrap, bootstrap));

        Assert.Equal(string.Empty, read.KafkaBootstrap);
        Assert.Contains(SidecarContract.KafkaBootstrap, Assert.Single(read.Problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SidecarContract.ScrapePort, "http")]
    [InlineData(SidecarContract.ScrapePort, "65536")]
    [InlineData(SidecarContract.ScrapePort, "+80")]
    [InlineData(SidecarContract.ScrapePath, "metrics")]
    [InlineData(SidecarOptions.ScrapeHostVariable, "not a host")]
    public void Read_BadScrapeTarget_ProblemAndDefault(string variable, string value)
    {
        var read = Read([], (variable, value));

        Assert.Single(read.Problems);
        Assert.Equal(variable == SidecarContract.ScrapePort ? 8080 : 9102, read.ScrapeUri.Port);
        Assert.Equal("127.0.0.1", read.ScrapeUri.Host);
        Assert.Equal("/metrics", read.ScrapeUri.AbsolutePath);
    }

    [Theory]
    [InlineData("::1", "http://[::1]:9102/metrics")]
    [InlineData("localhost", "http://localhost:9102/metrics")]
    [InlineData("10.0.0.7", "http://10.0.0.7:9102/metrics")]
    public void Read_ScrapeHost_InTheUri(string host, string uri)
    {
        var read = Read([], (SidecarOptions.ScrapeHostVariable, host));

        Assert.Empty(read.Problems);
        Assert.Equal(new Uri(uri), read.ScrapeUri);
    }

    [Fact]
    public void Read_ConfiguredMetricsInMilliseconds_OneConventionScaled()
    {
        var read = Read([], (SidecarOptions.RequestsMetricVariable, "api_calls_total"), (SidecarOptions.LatencyMetricVariable, "api_latency_milliseconds"),
            (SidecarOptions.ErrorStatusVariable, "5, 429"));

        Assert.Empty(read.Problems);
        var convention = Assert.Single(read.Conventions);
        Assert.Equal("api_calls_total", convention.RequestsCounter);
        Assert.Equal("api_latency_milliseconds", convention.LatencyHistogram);
        Assert.Equal(0.001, convention.LatencyUnitSeconds);
        Assert.Equal(["5", "429"], read.ErrorStatusPrefixes);
    }

    [Fact]
    public void Read_UnusableConfiguredMetrics_ProblemsAndDefaultConventions()
    {
        var read = Read([], (SidecarOptions.RequestsMetricVariable, "1bad"), (SidecarOptions.LatencyMetricVariable, "has-dash"), (SidecarOptions.LatencyUnitVariable, "minutes"));

        Assert.Equal(4, read.Problems.Count);
        Assert.Same(MetricConvention.Defaults, read.Conventions);
    }

    [Theory]
    [InlineData(SidecarOptions.MaxSeriesVariable, "9")]
    [InlineData(SidecarOptions.MaxSeriesVariable, "lots")]
    [InlineData(SidecarOptions.BufferVariable, "0")]
    [InlineData(SidecarOptions.BufferVariable, "100001")]
    public void Read_BadWholeNumber_ProblemAndDefault(string variable, string value)
    {
        var read = Read([], (variable, value));

        Assert.Contains(variable, Assert.Single(read.Problems), StringComparison.Ordinal);
        Assert.Equal(10_000, read.MaxSeries);
        Assert.Equal(720, read.BufferCapacity);
    }

    [Theory]
    [InlineData("??")]
    [InlineData("\0")]
    [InlineData("[[::1]]")]
    [InlineData("1e308")]
    [InlineData("%")]
    public void Read_GarbageInEveryVariable_NeverThrows(string garbage)
    {
        string[] variables =
        [
            .. SidecarContract.Reserved,
            SidecarOptions.ScrapeIntervalVariable, SidecarOptions.ScrapeTimeoutVariable, SidecarOptions.ScrapeHostVariable,
            SidecarOptions.RequestsMetricVariable, SidecarOptions.LatencyMetricVariable, SidecarOptions.LatencyUnitVariable,
            SidecarOptions.StatusLabelsVariable, SidecarOptions.ErrorStatusVariable, SidecarOptions.MaxSeriesVariable,
            SidecarOptions.BufferVariable, SidecarOptions.TopicVariable,
        ];

        var read = SidecarOptions.Read(["sidecar", "--listen=" + garbage, garbage], name => variables.Contains(name) ? garbage : null);

        Assert.NotEmpty(read.Problems);
        Assert.Equal(TimeSpan.FromSeconds(5), read.ScrapeInterval);
        Assert.Equal(9464, read.ListenPort);
        Assert.Equal("/metrics", read.ScrapeUri.AbsolutePath);
    }

    [Theory]
    [InlineData("[::1]")]
    [InlineData("fe80::1%eth0")]
    public void Read_BracketedOrScopedScrapeHost_NeverThrows(string host)
    {
        var read = Read([], (SidecarOptions.ScrapeHostVariable, host));

        Assert.Equal(9102, read.ScrapeUri.Port);
    }

    private static SidecarOptions Read(IReadOnlyList<string> args, params (string Name, string Value)[] overrides)
    {
        var env = new Dictionary<string, string>(Valid, StringComparer.Ordinal);
        foreach (var (name, value) in overrides)
        {
            env[name] = value;
        }

        return SidecarOptions.Read(args, name => env.GetValueOrDefault(name));
    }

    /// <summary>The pod as the webhook would admit it: the policy resolves the target from the annotations, the injector adds the sidecar.</summary>
    private static JsonObject InjectedPod(InjectionOptions options)
    {
        using var document = SparseDocument.Parse(Encoding.UTF8.GetBytes(Pod), IndexPaths.All);
        var request = new AdmissionRequest(AdmissionReviewReader.V1, "uid-1", "CREATE", "shop", string.Empty,
            new GroupVersionKind(string.Empty, "v1", "Pod"), "pods", string.Empty, false, document.Root);
        var decision = new InjectionPolicy(options).Decide(request);
        Assert.True(decision.Inject, decision.Message);
        Assert.Equal(new InjectionTarget("checkout", 9102, "/stats/prometheus", options.UsesNativeSidecars()), decision.Target);
        var desired = new SidecarInjector(options).Inject(document.Root, decision.Target!);
        return JsonNode.Parse(desired.ToJsonString())!.AsObject();
    }

    /// <summary>The container's environment as the kubelet would give it: values as written, field references from the pod.</summary>
    private static Dictionary<string, string> Environment(JsonObject container)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["metadata.name"] = PodName,
            ["metadata.namespace"] = "shop",
            ["spec.nodeName"] = "node-a",
        };
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in container["env"]!.AsArray())
        {
            var name = (string)variable!["name"]!;
            if (variable["value"] is { } value)
            {
                env.Add(name, (string)value!);
            }
            else
            {
                var path = (string)variable["valueFrom"]!["fieldRef"]!["fieldPath"]!;
                Assert.True(fields.TryGetValue(path, out var field), $"{name} refers to {path}, which the test does not fake");
                env.Add(name, field);
            }
        }

        return env;
    }
}
