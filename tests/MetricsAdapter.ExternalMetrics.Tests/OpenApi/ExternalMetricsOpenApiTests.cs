using System.Net;
using System.Text.Json.Nodes;
using MetricsAdapter.ExternalMetrics.Tests.Http;
using MetricsAdapter.Testing;

namespace MetricsAdapter.ExternalMetrics.Tests.OpenApi;

public sealed class ExternalMetricsOpenApiTests
{
    private static readonly string GoldenDirectory = GoldenFile.Directory("Golden/OpenApi");

    [Theory]
    [InlineData("/openapi/v2", "v2.json")]
    [InlineData("/openapi/v3", "v3_root.json")]
    [InlineData("/openapi/v3/apis/external.metrics.k8s.io/v1beta1", "v3_external_metrics_v1beta1.json")]
    public async Task Document_MatchesGolden(string path, string golden)
    {
        await using var host = await TestApiHost.StartAsync();

        var body = await host.Client.GetStringAsync(new Uri(path, UriKind.Relative));

        GoldenFile.AssertJson(Path.Combine(GoldenDirectory, golden), JsonNode.Parse(body)!);
    }

    [Fact]
    public void GoldenFiles_HaveNoOrphans() =>
        GoldenFile.AssertNoOrphans(GoldenDirectory, new[] { "v2.json", "v3_root.json", "v3_external_metrics_v1beta1.json" }.Select(f => Path.Combine(GoldenDirectory, f)));

    [Theory]
    [InlineData("/openapi/v2", "#/definitions/", "definitions")]
    [InlineData("/openapi/v3/apis/external.metrics.k8s.io/v1beta1", "#/components/schemas/", "components")]
    public async Task Document_EveryReferenceResolves(string path, string prefix, string container)
    {
        await using var host = await TestApiHost.StartAsync();
        var document = JsonNode.Parse(await host.Client.GetStringAsync(new Uri(path, UriKind.Relative)))!;
        var definitions = (container == "components" ? document["components"]!["schemas"]! : document["definitions"]!).AsObject();

        var references = Descendants(document).OfType<JsonObject>().Where(o => o.ContainsKey("$ref")).Select(o => o["$ref"]!.GetValue<string>()).ToList();

        Assert.NotEmpty(references);
        Assert.All(references, reference =>
        {
            Assert.StartsWith(prefix, reference, StringComparison.Ordinal);
            Assert.True(definitions.ContainsKey(reference[prefix.Length..]), reference);
        });
    }

    [Fact]
    public async Task V3Root_PointsAtTheGroupVersionDocumentByItsHash()
    {
        await using var host = await TestApiHost.StartAsync();
        var root = JsonNode.Parse(await host.Client.GetStringAsync(new Uri("/openapi/v3", UriKind.Relative)))!;
        var url = root["paths"]!["apis/external.metrics.k8s.io/v1beta1"]!["serverRelativeURL"]!.GetValue<string>();

        using var response = await host.Client.GetAsync(new Uri(url, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"" + url.Split("hash=")[1] + "\"", response.Headers.ETag!.Tag);
        Assert.Equal("public, immutable", response.Headers.CacheControl!.ToString());
    }

    [Fact]
    public async Task V2_IfNoneMatchCurrentETag_Is304()
    {
        await using var host = await TestApiHost.StartAsync();
        using var first = await host.Client.GetAsync(new Uri("/openapi/v2", UriKind.Relative));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/openapi/v2", UriKind.Relative));
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);

        using var second = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
        {
            foreach (var descendant in Descendants(child))
            {
                yield return descendant;
            }
        }
    }
}
