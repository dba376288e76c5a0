using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Injection.Tests;

/// <summary>
/// Every file in Cases/ is a realistic AdmissionReview (most captured from a real kube-apiserver) plus any option
/// overrides. For each: the answer and its decoded patch match <c>Golden/&lt;case&gt;.patch.json</c>; the patch
/// applied by kubectl (the API server's own JSON Patch library) gives <c>Golden/&lt;case&gt;.pod.json</c>; and
/// sending that pod again yields no patch.
/// </summary>
public sealed class WebhookGoldenTests
{
    private static readonly string CaseDirectory = GoldenFile.Directory("Cases");
    private static readonly string GoldenDirectory = GoldenFile.Directory("Golden");

    private static readonly string[] CaseNames = Directory.EnumerateFiles(CaseDirectory, "*.json")
        .Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToArray();

    public static TheoryData<string> Cases => new(CaseNames);

    [Fact]
    public void Cases_AreAtLeastTwenty() => Assert.True(CaseNames.Length >= 20, $"{CaseNames.Length} cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Case_MatchesGoldenPatchAndResultingPod(string name)
    {
        var testCase = Load(name);
        await using var host = await WebhookTestHost.StartAsync(testCase.Options);

        var answer = await PostAsync(host, testCase.Review);
        var response = answer["response"]!.AsObject();

        Assert.Equal(testCase.Review["apiVersion"]!.GetValue<string>(), answer["apiVersion"]!.GetValue<string>());
        Assert.Equal("AdmissionReview", answer["kind"]!.GetValue<string>());
        Assert.Equal(testCase.Review["request"]!["uid"]!.GetValue<string>(), response["uid"]!.GetValue<string>());
        var patch = DecodePatch(response);
        Assert.Equal(patch is null, response["patchType"] is null);

        var shown = (JsonObject)answer.DeepClone();
        if (patch is not null)
        {
            Assert.Equal("JSONPatch", response["patchType"]!.GetValue<string>());
            shown["response"]!["patch"] = patch.DeepClone();
        }

        GoldenFile.AssertJson(Path.Combine(GoldenDirectory, name + ".patch.json"), shown);

        var original = testCase.Review["request"]!["object"];
        if (patch is null || original is null)
        {
            Assert.False(File.Exists(Path.Combine(GoldenDirectory, name + ".pod.json")) && !GoldenFile.Updating, "a skipped case has no resulting pod golden");
            return;
        }

        var patched = JsonNode.Parse(await Kubectl.PatchLocalAsync(original.ToJsonString(), patch.ToJsonString()))!;
        GoldenFile.AssertJson(Path.Combine(GoldenDirectory, name + ".pod.json"), patched);

        // Our own reading of the same patch agrees with kubectl's.
        var ours = JsonPatchApplier.Apply(original, Patch.JsonPatch.Diff(original, patched));
        Assert.True(JsonNode.DeepEquals(patched, ours));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Case_ReinjectingTheResult_YieldsNoPatch(string name)
    {
        var testCase = Load(name);
        await using var host = await WebhookTestHost.StartAsync(testCase.Options);
        var first = DecodePatch((await PostAsync(host, testCase.Review))["response"]!.AsObject());
        var original = testCase.Review["request"]!["object"];
        if (first is null || original is null)
        {
            return;
        }

        var again = (JsonObject)testCase.Review.DeepClone();
        again["request"]!["object"] = JsonNode.Parse(await Kubectl.PatchLocalAsync(original.ToJsonString(), first.ToJsonString()));

        var second = (await PostAsync(host, again))["response"]!.AsObject();

        Assert.Null(second["patch"]);
        Assert.Equal("already-injected", second["auditAnnotations"]!["injection-reason"]!.GetValue<string>());
    }

    [Fact]
    public void GoldenFiles_HaveNoOrphans()
    {
        var expected = CaseNames.SelectMany(c => new[] { Path.Combine(GoldenDirectory, c + ".patch.json"), Path.Combine(GoldenDirectory, c + ".pod.json") })
            .Where(f => File.Exists(f) || f.EndsWith(".patch.json", StringComparison.Ordinal));
        GoldenFile.AssertNoOrphans(GoldenDirectory, expected);
    }

    internal static (JsonObject Review, IReadOnlyDictionary<string, string?>? Options) Load(string name)
    {
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(CaseDirectory, name + ".json")))!.AsObject();
        var options = file["options"]?.AsObject().ToDictionary(p => "Injection:" + p.Key, p => (string?)p.Value!.GetValue<string>());
        return (file["review"]!.AsObject(), options);
    }

    internal static async Task<JsonObject> PostAsync(WebhookTestHost host, JsonObject review)
    {
        using var content = new StringContent(review.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await host.Client.PostAsync(new Uri("/mutate?timeout=5s", UriKind.Relative), content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!.AsObject();
    }

    internal static JsonArray? DecodePatch(JsonObject response) =>
        response["patch"] is JsonValue patch ? JsonNode.Parse(Convert.FromBase64String(patch.GetValue<string>()))!.AsArray() : null;
}
