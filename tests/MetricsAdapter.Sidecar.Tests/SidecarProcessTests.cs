using System.Diagnostics;
using System.Globalization;
using System.Net;
using Confluent.Kafka;
using MetricsAdapter.Bus;
using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.Sidecar.Tests;

/// <summary>The sidecar as a process, against real peers: Debian's Prometheus server as the app, librdkafka's mock cluster as Kafka.</summary>
public sealed class SidecarProcessTests
{
    private const string Topic = "metrics-adapter.observations";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Sidecar_ScrapingRealPrometheus_PublishesItsRequestsAndLatency_AndExitsZeroOnSigterm()
    {
        using var kafka = Cluster();
        using var state = new TemporaryDirectory();
        await using var prometheus = await PrometheusServer.StartAsync(state.Path);
        await using var sidecar = SidecarProcess.Start(Identity("monitoring", "prometheus", "prometheus-0", prometheus.Port, kafka.BootstrapServers, new()
        {
            ["METRICS_ADAPTER_REQUESTS_METRIC"] = "prometheus_http_requests_total",
            ["METRICS_ADAPTER_LATENCY_METRIC"] = "prometheus_http_request_duration_seconds",
        }));

        using var client = new HttpClient { BaseAddress = prometheus.BaseAddress };
        List<Observation> observations = [];
        await WaitAsync(async () =>
        {
            (await client.GetAsync(new Uri("/api/v1/query?query=up", UriKind.Relative))).Dispose();
            observations = ReadObservations(kafka.BootstrapServers);
            return observations.Any(o => o.Requests > 0 && o.Latency is not null);
        }, "observations of Prometheus' own requests", sidecar);

        var counted = observations.First(o => o.Requests > 0 && o.Latency is not null);
        Assert.Equal(ServiceKey.Create("monitoring", "prometheus"), counted.Service);
        Assert.Equal([0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120, double.PositiveInfinity], counted.Latency!.UpperBounds);
        Assert.Equal(TimeSpan.Zero, counted.End.Offset);
        Assert.Equal(Enumerable.Range(0, observations.Count).Select(i => (long)i), observations.Select(o => o.Sequence));

        Assert.Equal(0, await sidecar.TerminateAsync(TimeSpan.FromSeconds(20)));
        await Eventually.WaitAsync(() => ReadObservations(kafka.BootstrapServers).Any(o => o.HasFlag(ObservationFlags.PodStopping)),
            Patience, "the last observation, flagged pod-stopping");
    }

    [Fact]
    public async Task Sidecar_BrokenSettingsNoAppNoKafka_StaysUpAndHealthy_AndSaysWhy()
    {
        await using var sidecar = SidecarProcess.Start(new Dictionary<string, string>
        {
            [SidecarContract.ScrapePort] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            [SidecarContract.ScrapePath] = "no-leading-slash",
            [SidecarContract.KafkaBootstrap] = "not a list",
            [SidecarContract.Service] = "Not_A_Label!",
            ["METRICS_ADAPTER_SCRAPE_INTERVAL"] = "1s",
            ["METRICS_ADAPTER_SCRAPE_TIMEOUT"] = "fast",
        });

        await WaitAsync(async () => await sidecar.MetricAsync("metrics_adapter_sidecar_scrapes_total", "result=\"failed\"") >= 3,
            "three failed scrapes", sidecar);

        Assert.False(sidecar.HasExited, sidecar.Output);
        Assert.Equal(200, (await sidecar.GetAsync("/healthz")).Status);
        Assert.Equal(200, (await sidecar.GetAsync("/livez")).Status);
        Assert.Equal(200, (await sidecar.GetAsync("/readyz")).Status);
        Assert.True(await sidecar.MetricAsync("metrics_adapter_sidecar_configuration_problems") >= 5, sidecar.Output);
        Assert.True(await sidecar.MetricAsync("metrics_adapter_sidecar_scrape_errors_total", "reason=\"unreachable\"") >= 3);
        Assert.Contains("METRICS_ADAPTER_SCRAPE_PATH \"no-leading-slash\" is not a path", sidecar.Output, StringComparison.Ordinal);
        Assert.Contains("Scrape failed (unreachable)", sidecar.Output, StringComparison.Ordinal);
        Assert.Equal(0, await sidecar.TerminateAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Sidecar_AppRestartsThenGoesDownThenGarbage_FlagsEachAndKeepsGoing()
    {
        using var kafka = Cluster();
        await using var app = await FakeApp.StartAsync();
        await using var sidecar = SidecarProcess.Start(Identity("shop", "checkout", "checkout-0", app.Port, kafka.BootstrapServers, []));

        app.Serve(Counter(100));
        await WaitForAsync(kafka, o => o.Sequence >= 1, "a baseline and a first interval", sidecar);
        app.Serve(Counter(160));
        await WaitForAsync(kafka, o => o.Requests == 60, "the counter's delta of 60", sidecar);
        app.Serve(Counter(7));
        await WaitForAsync(kafka, o => o.HasFlag(ObservationFlags.CounterReset) && o.Requests == 7, "a counter reset counted from zero", sidecar);
        app.Serve(null);
        await WaitForAsync(kafka, o => o.HasFlag(ObservationFlags.ScrapeFailed), "a failed scrape while the app answers 503", sidecar);
        app.Serve("<html><body>Whitelabel Error Page</body></html>\n");
        await WaitAsync(async () => await sidecar.MetricAsync("metrics_adapter_sidecar_scrape_errors_total", "reason=\"syntax\"") >= 1,
            "a syntax error counted", sidecar);
        app.Serve(Counter(10));

        Assert.All(ReadObservations(kafka.BootstrapServers), o => Assert.True(o.Requests >= 0 && o.Errors <= o.Requests));
        Assert.False(sidecar.HasExited);
        Assert.Equal(200, (await sidecar.GetAsync("/healthz")).Status);
    }

    [Fact]
    public async Task Sidecar_AppWith100000Series_KeepsItsLimit_AndSaysSoOnce()
    {
        await using var app = await FakeApp.StartAsync();
        var body = new System.Text.StringBuilder("# TYPE http_requests_total counter\n");
        for (var i = 0; i < 100_000; i++)
        {
            body.Append(CultureInfo.InvariantCulture, $"http_requests_total{{code=\"200\",client=\"10.{i / 65536}.{i / 256 % 256}.{i % 256}\"}} {i}\n");
        }

        app.Serve(body.ToString());
        await using var sidecar = SidecarProcess.Start(Identity("shop", "search", "search-0", app.Port, "127.0.0.1:1", []));

        await WaitAsync(async () => await sidecar.MetricAsync("metrics_adapter_sidecar_series_over_limit_total") >= 2 * 90_000,
            "two scrapes over the limit", sidecar);
        Assert.Single(sidecar.Output.Split('\n'), line => line.Contains("more than 10000 series", StringComparison.Ordinal));
        Assert.Equal(200, (await sidecar.GetAsync("/healthz")).Status);
    }

    private static Dictionary<string, string> Identity(string ns, string service, string pod, int appPort, string bootstrap, Dictionary<string, string> extra)
    {
        var environment = new Dictionary<string, string>(extra)
        {
            [SidecarContract.PodNamespace] = ns,
            [SidecarContract.Service] = service,
            [SidecarContract.PodName] = pod,
            [SidecarContract.NodeName] = "node-1",
            [SidecarContract.ScrapePort] = appPort.ToString(CultureInfo.InvariantCulture),
            [SidecarContract.ScrapePath] = "/metrics",
            [SidecarContract.KafkaBootstrap] = bootstrap,
            ["METRICS_ADAPTER_SCRAPE_INTERVAL"] = "1s",
        };
        return environment;
    }

    private static string Counter(int value) =>
        $"# TYPE http_requests_total counter\nhttp_requests_total{{code=\"200\"}} {value.ToString(CultureInfo.InvariantCulture)}\n";

    private static Task WaitForAsync(EmbeddedKafkaCluster kafka, Func<Observation, bool> condition, string what, SidecarProcess sidecar) =>
        WaitAsync(() => Task.FromResult(ReadObservations(kafka.BootstrapServers).Any(condition)), what, sidecar);

    /// <summary>Waits for a condition; on time-out says what was awaited, what is on the topic, and what the sidecar logged.</summary>
    private static async Task WaitAsync(Func<Task<bool>> condition, string what, SidecarProcess sidecar)
    {
        try
        {
            await Eventually.WaitAsync(condition, Patience, what);
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"{exception.Message}\nsidecar output:\n{sidecar.Output}", exception);
        }
    }

    private static EmbeddedKafkaCluster Cluster()
    {
        var cluster = new EmbeddedKafkaCluster();
        cluster.CreateTopic(Topic, 1);
        return cluster;
    }

    /// <summary>Every observation on the topic so far, in order.</summary>
    private static List<Observation> ReadObservations(string bootstrap)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "sidecar-process-tests",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(Topic, 0, Offset.Beginning));
        var observations = new List<Observation>();
        var reader = new ObservationReader();
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(5);
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            // Null while the consumer is still connecting; the partition's end says everything so far was read.
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is not { } result)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                break;
            }

            Assert.Equal(ObservationRejection.None, reader.TryRead(result.Message.Value, out var observation, out var detail));
            Assert.True(observation is not null, detail);
            observations.Add(observation);
        }

        return observations;
    }

    /// <summary>An app whose /metrics answers what the test says, or 503.</summary>
    private sealed class FakeApp : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private volatile string? _body;

        private FakeApp(WebApplication app, int port)
        {
            _app = app;
            Port = port;
        }

        public int Port { get; }

        public static async Task<FakeApp> StartAsync()
        {
            var port = LoopbackPorts.Free();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
            var app = builder.Build();
            var fake = new FakeApp(app, port);
            app.MapGet("/metrics", () => fake._body is { } body ? Results.Text(body, "text/plain; version=0.0.4") : Results.StatusCode(503));
            await app.StartAsync();
            return fake;
        }

        /// <summary>What /metrics answers from now on; null for 503.</summary>
        public void Serve(string? body) => _body = body;

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }

    /// <summary>Debian's Prometheus server on a free loopback port, scraping itself: a real Prometheus-instrumented app.</summary>
    private sealed class PrometheusServer : IAsyncDisposable
    {
        private readonly Process _process;

        private PrometheusServer(Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Port { get; }

        public Uri BaseAddress => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

        public static async Task<PrometheusServer> StartAsync(string directory)
        {
            var port = LoopbackPorts.Free();
            var config = Path.Combine(directory, "prometheus.yml");
            await File.WriteAllTextAsync(config, $"global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}']\n");
            var start = new ProcessStartInfo("prometheus")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "data")}", $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}" })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start)!;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new PrometheusServer(process, port);
            using var client = new HttpClient { BaseAddress = server.BaseAddress };
            await Eventually.WaitAsync(async () =>
            {
                try
                {
                    using var ready = await client.GetAsync(new Uri("/-/ready", UriKind.Relative));
                    return ready.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, Patience, "Prometheus to be ready");
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }
}
