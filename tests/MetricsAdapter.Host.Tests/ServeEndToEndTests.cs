using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using MetricsAdapter.ApiServer.Serving;
using MetricsAdapter.Core.Quantities;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Host.Tests;

/// <summary>One real adapter process (demo workload, client CA, front-proxy CA) shared by the tests of this class.</summary>
public sealed class ServedAdapterFixture : IAsyncLifetime
{
    private readonly string _frontProxyDirectory = Directory.CreateTempSubdirectory("metrics-adapter-front-proxy-").FullName;

    internal AdapterProcess Adapter { get; private set; } = null!;

    internal X509Certificate2 FrontProxyCertificate { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var issued = DevelopmentCertificates.Issue(
            new CertificateRequestSet(_frontProxyDirectory, ["front-proxy"], [], "front-proxy-client", []), TimeProvider.System.GetUtcNow());
        FrontProxyCertificate = X509Certificate2.CreateFromPemFile(issued.ClientCertFile!, issued.ClientKeyFile);
        Adapter = await AdapterProcess.StartAsync(
            "--demo",
            "--requestheader-client-ca-file", issued.CaCertFile,
            "--requestheader-allowed-names", "front-proxy-client");
        await WaitUntilDecidedAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>The demo's observations travel over the embedded broker to the decision manager; its first tick serves them.</summary>
    private async Task WaitUntilDecidedAsync(TimeSpan timeout)
    {
        using var client = Adapter.CreateAdminClient();
        try
        {
            await Eventually.WaitAsync(async () => JsonNode.Parse(await client.GetStringAsync(new Uri(
                "/apis/external.metrics.k8s.io/v1beta1/namespaces/demo/latency_anomaly_score?labelSelector=service+in+%28checkout%2Cfrontend%2Csearch%29", UriKind.Relative)))!
                ["items"]!.AsArray().Count == 3,
            timeout, "the demo's values to be decided", TimeSpan.FromMilliseconds(500));
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException(exception.Message + ":\n" + Adapter.Output, exception);
        }
    }

    public async Task DisposeAsync()
    {
        await Adapter.DisposeAsync();
        Directory.Delete(_frontProxyDirectory, recursive: true);
    }
}

/// <summary>The real server process driven by real clients: kubectl over verified TLS, and raw HTTP for bad input.</summary>
public sealed class ServeEndToEndTests(ServedAdapterFixture fixture) : IClassFixture<ServedAdapterFixture>
{
    private const string GroupVersion = "/apis/external.metrics.k8s.io/v1beta1";
    private AdapterProcess Adapter => fixture.Adapter;

    private async Task<(int ExitCode, string Stdout, string Stderr)> KubectlAsync(string path, string? kubeconfig = null) =>
        await ProcessRunner.RunSplitAsync("kubectl", ["--kubeconfig", kubeconfig ?? Adapter.Kubeconfig, "get", "--raw", path], TimeSpan.FromSeconds(60));

    [Fact]
    public async Task Kubectl_Discovery_ListsBothMetrics()
    {
        var (exitCode, stdout, stderr) = await KubectlAsync(GroupVersion);

        Assert.True(exitCode == 0, stderr);
        var names = JsonNode.Parse(stdout)!["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>());
        Assert.Equal(["latency_anomaly_score", "predicted_load"], names);
    }

    [Theory]
    [InlineData("predicted_load")]
    [InlineData("latency_anomaly_score")]
    public async Task Kubectl_DemoSeriesBySelector_AreFreshQuantities(string metric)
    {
        var (exitCode, stdout, stderr) = await KubectlAsync($"{GroupVersion}/namespaces/demo/{metric}?labelSelector=service%3Dcheckout");

        Assert.True(exitCode == 0, stderr);
        var item = Assert.Single(JsonNode.Parse(stdout)!["items"]!.AsArray())!;
        Assert.Equal("checkout", item["metricLabels"]!["service"]!.GetValue<string>());
        var value = Quantity.Parse(item["value"]!.GetValue<string>());
        Assert.True(metric == "predicted_load" ? value.Sign > 0 : value.Sign >= 0 && value <= Quantity.FromInt64(1), $"{metric} {value}");
        Assert.Equal(value.ToString(), item["value"]!.GetValue<string>());
        var age = TimeProvider.System.GetUtcNow() - DateTimeOffset.Parse(item["timestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(age, TimeSpan.FromSeconds(-2), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Kubectl_AllDemoServices_InOneList()
    {
        var (exitCode, stdout, stderr) = await KubectlAsync($"{GroupVersion}/namespaces/demo/predicted_load?labelSelector=service+in+%28checkout%2Cfrontend%2Csearch%29");

        Assert.True(exitCode == 0, stderr);
        Assert.Equal(["checkout", "frontend", "search"], JsonNode.Parse(stdout)!["items"]!.AsArray().Select(i => i!["metricLabels"]!["service"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Kubectl_UnknownMetric_SaysNotFound()
    {
        var (exitCode, _, stderr) = await KubectlAsync($"{GroupVersion}/namespaces/demo/queue_depth");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Error from server (NotFound): the server could not find the metric \"queue_depth\"", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_MalformedSelector_SaysBadRequest()
    {
        var (exitCode, _, stderr) = await KubectlAsync($"{GroupVersion}/namespaces/demo/predicted_load?labelSelector=service+in+%28a");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Error from server (BadRequest): unable to parse label selector", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_ServerNotSignedByTrustedCa_IsRefused()
    {
        using var other = new TemporaryDirectory();
        var issued = DevelopmentCertificates.Issue(new CertificateRequestSet(other.Path, ["localhost"], [IPAddress.Loopback], "e2e-admin", ["system:masters"]), TimeProvider.System.GetUtcNow());
        var kubeconfig = Path.Combine(other.Path, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, DevelopmentCertificates.Kubeconfig(Adapter.BaseAddress, issued));

        var (exitCode, _, stderr) = await KubectlAsync(GroupVersion, kubeconfig);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("certificate signed by unknown authority", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anonymous_IsForbiddenFromMetrics_ButHealthIsOpen()
    {
        using var client = Adapter.CreateClient();

        using var metric = await client.GetAsync(new Uri($"{GroupVersion}/namespaces/demo/predicted_load", UriKind.Relative));
        using var ready = await client.GetAsync(new Uri("/readyz?verbose", UriKind.Relative));
        using var live = await client.GetAsync(new Uri("/livez", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, metric.StatusCode);
        Assert.Equal("Forbidden", JsonNode.Parse(await metric.Content.ReadAsStringAsync())!["reason"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("readyz check passed", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    /// <summary>The HPA's request as captured from kube-controller-manager, replayed as the aggregator sends it.</summary>
    [Fact]
    public async Task CapturedHpaRequest_ThroughTheFrontProxy_IsServed()
    {
        var captured = JsonNode.Parse(await File.ReadAllTextAsync(SharedData.Path("kubernetes", "external-metrics", "hpa-request.json")))!;
        using var client = Adapter.CreateClient(fixture.FrontProxyCertificate);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(captured["path"]!.GetValue<string>(), UriKind.Relative));
        foreach (var (name, value) in captured["headers"]!.AsObject())
        {
            if (name is not ("Host" or "Accept-Encoding"))
            {
                request.Headers.TryAddWithoutValidation(name, value!.GetValue<string>());
            }
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("ExternalMetricValueList", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task BadInput_GetsA4xx_AndTheServerKeepsServing()
    {
        using var client = Adapter.CreateClient(X509Certificate2.CreateFromPemFile(
            Path.Combine(Adapter.Directory, DevelopmentCertificates.ClientCertName), Path.Combine(Adapter.Directory, DevelopmentCertificates.ClientKeyName)));
        var oversizedSelector = "service=" + new string('x', 8300);
        string[] paths =
        [
            $"{GroupVersion}/namespaces/demo/predicted_load?labelSelector={Uri.EscapeDataString(oversizedSelector)}",
            $"{GroupVersion}/namespaces/de%00mo/predicted_load",
            $"{GroupVersion}/namespaces/demo/predicted_load?labelSelector=service%3D%FF",
            $"{GroupVersion}/namespaces/demo/predicted_load?labelSelector=" + new string('x', 20_000),
            $"{GroupVersion}/namespaces/Demo/predicted_load",
            $"{GroupVersion}/namespaces/demo/predicted_load?limit=5",
        ];

        foreach (var path in paths)
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"{(int)response.StatusCode} for {path[..Math.Min(path.Length, 120)]}");
        }

        await SendRawAsync("GET /apis/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        await SendRawAsync("NOT-HTTP\r\n\r\n"u8.ToArray());

        using var healthy = await client.GetAsync(new Uri($"{GroupVersion}/namespaces/demo/predicted_load?labelSelector=service%3Dsearch", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        Assert.False(Adapter.HasExited);
    }

    /// <summary>Served by OpenTelemetry's Prometheus exporter: every series carries its meter as otel_scope_name.</summary>
    [Fact]
    public async Task Metrics_ExposeRequestCountsLatencyAndFreshness_AndPassPromtool()
    {
        using var client = Adapter.CreateClient(X509Certificate2.CreateFromPemFile(
            Path.Combine(Adapter.Directory, DevelopmentCertificates.ClientCertName), Path.Combine(Adapter.Directory, DevelopmentCertificates.ClientKeyName)));
        (await client.GetAsync(new Uri($"{GroupVersion}/namespaces/demo/predicted_load", UriKind.Relative))).Dispose();

        var text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/apis/external.metrics.k8s.io/v1beta1/namespaces/{namespace}/{metric}\"", text, StringComparison.Ordinal);
        Assert.Matches("(?m)^metrics_adapter_series_live\\{[^}]*metric=\"predicted_load\"[^}]*\\} 3$", text);
        Assert.Matches("(?m)^metrics_adapter_series_newest_value_age_seconds\\{[^}]*metric=\"latency_anomaly_score\"", text);
        Assert.Matches("(?m)^target_info\\{[^}]*service_name=\"metrics-adapter\"", text);
        Assert.Contains("# TYPE dotnet_gc_collections_total counter", text, StringComparison.Ordinal);

        var (exitCode, output) = await ProcessRunner.RunAsync("promtool", ["check", "metrics"], TimeSpan.FromSeconds(30), text);
        Assert.True(exitCode == 0, $"promtool check metrics: exit {exitCode}\n{output}");
    }

    [Fact]
    public async Task Version_AnswersLikeKubernetesComponents()
    {
        using var client = Adapter.CreateClient(X509Certificate2.CreateFromPemFile(
            Path.Combine(Adapter.Directory, DevelopmentCertificates.ClientCertName), Path.Combine(Adapter.Directory, DevelopmentCertificates.ClientKeyName)));

        var version = JsonNode.Parse(await client.GetStringAsync(new Uri("/version", UriKind.Relative)))!;

        Assert.StartsWith("v", version["gitVersion"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>The README's curl: a captured review, posted as kube-apiserver would (no client credentials).</summary>
    [Fact]
    public async Task Webhook_CapturedCreateReview_GetsAPatchKubectlCanApply()
    {
        var review = JsonNode.Parse(await File.ReadAllTextAsync(SharedData.Path("kubernetes", "admission", "create-cartservice.json")))!["body"]!;
        using var client = Adapter.CreateClient();
        using var content = new StringContent(review.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

        using var response = await client.PostAsync(new Uri("/mutate?timeout=5s", UriKind.Relative), content);
        var body = await response.Content.ReadAsByteArrayAsync();
        var answer = JsonNode.Parse(body)!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.TransferEncodingChunked ?? false, "the answer is sent whole, with its length");
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.Equal(review["request"]!["uid"]!.GetValue<string>(), answer["response"]!["uid"]!.GetValue<string>());
        var patch = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(answer["response"]!["patch"]!.GetValue<string>()));
        var pod = JsonNode.Parse(await Kubectl.PatchLocalAsync(review["request"]!["object"]!.ToJsonString(), patch))!;
        var sidecar = pod["spec"]!["containers"]!.AsArray().Concat(pod["spec"]!["initContainers"]?.AsArray() ?? []).Single(c => c!["name"]!.GetValue<string>() == "metrics-adapter-predictor")!;
        Assert.Equal("20m", sidecar["resources"]!["requests"]!["cpu"]!.GetValue<string>());
    }

    private async Task SendRawAsync(byte[] request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Adapter.Port);
#pragma warning disable CA5359 // A malformed-request probe: the server's identity is checked by every other test.
        using var tls = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
#pragma warning restore CA5359
        await tls.AuthenticateAsClientAsync("localhost");
        await tls.WriteAsync(request);
        var buffer = new byte[4096];
        var read = await tls.ReadAsync(buffer);
        Assert.StartsWith("HTTP/1.1 400", System.Text.Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
    }
}
