using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetricsAdapter.Testing;

namespace MetricsAdapter.ExternalMetrics.Tests.Http;

/// <summary>
/// Table-driven HTTP tests: each case is a request; its golden file holds the request and the full response
/// (status, the headers clients act on, body). Positive and negative cases alike.
/// </summary>
public sealed class ExternalMetricsHttpTests
{
    private const string Metrics = "/apis/external.metrics.k8s.io/v1beta1";
    private static readonly string GoldenDirectory = GoldenFile.Directory("Golden/Http");

    public sealed record HttpCase(string Name, string Method, string Path, params (string Name, string Value)[] Headers)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<HttpCase> Cases => new(AllCases());

    private static IEnumerable<HttpCase> AllCases()
    {
        // Discovery
        yield return new("discovery_apis", "GET", "/apis");
        yield return new("discovery_group", "GET", "/apis/external.metrics.k8s.io");
        yield return new("discovery_resources", "GET", Metrics);
        yield return new("discovery_resources_trailing_slash", "GET", Metrics + "/");

        // Listing values
        yield return new("list_by_service", "GET", $"{Metrics}/namespaces/shop/predicted_load?labelSelector=service%3Dfrontend");
        yield return new("list_without_selector", "GET", $"{Metrics}/namespaces/shop/predicted_load");
        yield return new("list_empty_selector", "GET", $"{Metrics}/namespaces/shop/predicted_load?labelSelector=");
        yield return new("list_uppercase_metric_name", "GET", $"{Metrics}/namespaces/shop/Predicted_Load?labelSelector=service%3Dcheckout");
        yield return new("list_set_based_selector", "GET", $"{Metrics}/namespaces/shop/predicted_load?labelSelector=region+in+%28eu%2Cus%29%2Cservice%3Dfrontend%2Ctier%3Dweb");
        yield return new("list_notin_selector", "GET", $"{Metrics}/namespaces/shop/predicted_load?labelSelector=region+notin+%28us%29");
        yield return new("list_exists_selector", "GET", $"{Metrics}/namespaces/shop/predicted_load?labelSelector=tier");
        yield return new("list_does_not_exist_selector", "GET", $"{Metrics}/namespaces/shop/predicted_load?labelSelector=%21tier");
        yield return new("list_not_equals_selector", "GET", $"{Metrics}/namespaces/shop/predicted_load?labelSelector=service%21%3Dfrontend");
        yield return new("list_double_equals_selector", "GET", $"{Metrics}/namespaces/shop/latency_anomaly_score?labelSelector=service%3D%3Dfrontend");
        yield return new("list_no_matching_series", "GET", $"{Metrics}/namespaces/shop/predicted_load?labelSelector=service%3Dnone");
        yield return new("list_other_namespace_empty", "GET", $"{Metrics}/namespaces/elsewhere/predicted_load?labelSelector=service%3Dfrontend");
        yield return new("list_stale_series_not_served", "GET", $"{Metrics}/namespaces/shop/predicted_load?labelSelector=service%3Dlegacy");
        yield return new("list_pretty", "GET", $"{Metrics}/namespaces/demo/predicted_load?pretty=true");
        yield return new("list_with_timeout", "GET", $"{Metrics}/namespaces/demo/predicted_load?timeout=32s");
        yield return new("list_protobuf_accept_gets_json", "GET", $"{Metrics}/namespaces/demo/predicted_load",
            ("Accept", "application/vnd.kubernetes.protobuf, */*"));

        // Not found and not allowed
        yield return new("unknown_metric", "GET", $"{Metrics}/namespaces/shop/queue_depth?labelSelector=service%3Dfrontend");
        yield return new("unserved_path", "GET", "/apis/custom.metrics.k8s.io/v1beta1");
        yield return new("unserved_version", "GET", "/apis/external.metrics.k8s.io/v1beta2/namespaces/shop/predicted_load");
        yield return new("cluster_scoped_metric_path", "GET", $"{Metrics}/predicted_load");
        yield return new("named_item_path", "GET", $"{Metrics}/namespaces/shop/predicted_load/frontend");
        yield return new("post_on_list", "POST", $"{Metrics}/namespaces/shop/predicted_load");
        yield return new("delete_on_discovery", "DELETE", Metrics);
        yield return new("head_on_list", "HEAD", $"{Metrics}/namespaces/shop/predicted_load");

        // Bad input
        yield return new("malformed_selector", "GET", $"{Metrics}/namespaces/shop/predicted_load?labelSelector=service+in+%28frontend");
        yield return new("selector_invalid_value", "GET", $"{Metrics}/namespaces/shop/predicted_load?labelSelector=service%3Dfront%26end");
        yield return new("selector_not_utf8", "GET", $"{Metrics}/namespaces/shop/predicted_load?labelSelector=service%3D%FF%FE");
        yield return new("selector_oversized", "GET", $"{Metrics}/namespaces/shop/predicted_load?labelSelector=" + Uri.EscapeDataString(OversizedSelector()));
        yield return new("namespace_uppercase", "GET", $"{Metrics}/namespaces/Shop/predicted_load");
        yield return new("namespace_with_dots", "GET", $"{Metrics}/namespaces/a.b/predicted_load");
        yield return new("namespace_too_long", "GET", $"{Metrics}/namespaces/{new string('a', 64)}/predicted_load");
        yield return new("namespace_control_characters", "GET", $"{Metrics}/namespaces/a%01b%0A/predicted_load");
        yield return new("namespace_encoded_slash", "GET", $"{Metrics}/namespaces/a%2Fb/predicted_load");
        yield return new("unknown_query_parameter", "GET", $"{Metrics}/namespaces/shop/predicted_load?fieldSelector=metadata.name%3Dx");
        yield return new("repeated_selector", "GET", $"{Metrics}/namespaces/shop/predicted_load?labelSelector=a&labelSelector=b");
        yield return new("pretty_not_boolean", "GET", $"{Metrics}/namespaces/shop/predicted_load?pretty=maybe");
        yield return new("timeout_not_duration", "GET", $"{Metrics}/namespaces/shop/predicted_load?timeout=soon");
        yield return new("accept_html_only", "GET", $"{Metrics}/namespaces/shop/predicted_load", ("Accept", "text/html"));
    }

    private static string OversizedSelector() =>
        "service in (" + string.Join(',', Enumerable.Range(0, 1200).Select(i => $"svc-{i}")) + ")";

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Request_MatchesGoldenResponse(HttpCase testCase)
    {
        await using var host = await SeededHostAsync();

        var actual = await ExchangeAsync(host.Client, testCase);

        GoldenFile.AssertJson(Path.Combine(GoldenDirectory, testCase.Name + ".json"), actual);
    }

    [Fact]
    public void GoldenFiles_HaveNoOrphans()
    {
        GoldenFile.AssertNoOrphans(GoldenDirectory, AllCases().Select(c => Path.Combine(GoldenDirectory, c.Name + ".json")));
    }

    /// <summary>The HPA's request exactly as kube-controller-manager sent it through the aggregator (shared/data).</summary>
    [Fact]
    public async Task CapturedHpaRequest_GetsTheMatchingSeriesAsJson()
    {
        var captured = JsonNode.Parse(await File.ReadAllTextAsync(SharedData.Path("kubernetes", "external-metrics", "hpa-request.json")))!;
        var headers = captured["headers"]!.AsObject()
            .Where(h => h.Key is not ("Host" or "Accept-Encoding"))
            .Select(h => (h.Key, h.Value!.GetValue<string>()))
            .ToArray();
        await using var host = await SeededHostAsync();
        host.Seed("predicted_load", "shop", "service=frontend,tier=web,region=eu", "41");

        var actual = await ExchangeAsync(host.Client, new HttpCase("captured_hpa_request", "GET", captured["path"]!.GetValue<string>(), headers));

        GoldenFile.AssertJson(Path.Combine(GoldenFile.Directory("Golden/Captured"), "hpa_request.json"), actual);
        Assert.Equal(200, actual["response"]!["status"]!.GetValue<int>());
        Assert.Equal(2, actual["response"]!["body"]!["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task BadRequests_ServerKeepsServing()
    {
        await using var host = await SeededHostAsync();
        foreach (var testCase in AllCases().Where(c => c.Name.StartsWith("namespace_", StringComparison.Ordinal) || c.Name.StartsWith("selector_", StringComparison.Ordinal)))
        {
            var response = await ExchangeAsync(host.Client, testCase);
            var status = response["response"]!["status"]!.GetValue<int>();
            Assert.InRange(status, 400, 499);
        }

        var healthy = await host.Client.GetAsync(new Uri($"{Metrics}/namespaces/demo/predicted_load", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }

    [Fact]
    public async Task ListPretty_IsIndented()
    {
        await using var host = await SeededHostAsync();

        var body = await host.Client.GetStringAsync(new Uri($"{Metrics}/namespaces/demo/predicted_load?pretty=true", UriKind.Relative));

        Assert.Contains("\n  \"kind\": \"ExternalMetricValueList\"", body, StringComparison.Ordinal);
    }

    internal static async Task<TestApiHost> SeededHostAsync()
    {
        var host = await TestApiHost.StartAsync();
        host.Seed("predicted_load", "shop", "service=frontend,tier=web,region=us", "95", window: TimeSpan.FromMinutes(2));
        host.Seed("predicted_load", "shop", "service=frontend,tier=web,region=ap", "12", age: TimeSpan.FromSeconds(30));
        host.Seed("predicted_load", "shop", "service=checkout,tier=web,region=us", "1500m", age: TimeSpan.FromSeconds(14));
        host.Seed("predicted_load", "shop", "service=search", "7");
        host.Seed("predicted_load", "shop", "service=legacy", "9", age: TimeSpan.FromMinutes(6));
        host.Seed("latency_anomaly_score", "shop", "service=frontend", "731m", window: TimeSpan.FromSeconds(60));
        host.Seed("latency_anomaly_score", "shop", "service=checkout", "20m", window: TimeSpan.FromSeconds(60));
        host.Seed("predicted_load", "demo", "service=checkout", "120", window: TimeSpan.FromSeconds(5));
        return host;
    }

    internal static async Task<JsonObject> ExchangeAsync(HttpClient client, HttpCase testCase)
    {
        using var request = new HttpRequestMessage(new HttpMethod(testCase.Method), new Uri(testCase.Path, UriKind.Relative));
        foreach (var (name, value) in testCase.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var headers = new JsonObject();
        foreach (var name in new[] { "Content-Type", "Allow", "Cache-Control" })
        {
            var values = response.Headers.TryGetValues(name, out var h) ? h : response.Content.Headers.TryGetValues(name, out var c) ? c : null;
            if (values is not null)
            {
                headers[name.ToLowerInvariant()] = string.Join(", ", values);
            }
        }

        JsonNode? body = null;
        if (bytes.Length > 0)
        {
            var text = Encoding.UTF8.GetString(bytes);
            try
            {
                body = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                body = text;
            }
        }

        var shownPath = testCase.Path.Length > 300 ? testCase.Path[..300] + "…" : testCase.Path;
        return new JsonObject
        {
            ["request"] = new JsonObject
            {
                ["method"] = testCase.Method,
                ["path"] = shownPath,
                ["headers"] = new JsonObject(testCase.Headers.Select(h => KeyValuePair.Create(h.Name, (JsonNode?)h.Value))),
            },
            ["response"] = new JsonObject
            {
                ["status"] = (int)response.StatusCode,
                ["headers"] = headers,
                ["body"] = body,
            },
        };
    }
}
