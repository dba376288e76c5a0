using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MetricsAdapter.Injection.Admission;
using MetricsAdapter.Injection.Policy;

namespace MetricsAdapter.Injection.Tests;

public sealed class WebhookHttpTests
{
    private static JsonObject Review() => WebhookGoldenTests.Load("deployment-frontend").Review;

    private static async Task<(HttpStatusCode Status, JsonObject Body)> SendAsync(WebhookTestHost host, HttpMethod method, string path, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        using var response = await host.Client.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    private static StringContent Json(string text)
    {
        var content = new StringContent(text, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    [Theory]
    [InlineData("{", "not a valid AdmissionReview: the body is not JSON")]
    [InlineData("[]", "the body must be a JSON object")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{"uid":"u"}}""", "apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1, not \"admission.k8s.io/v2\"")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"Pod"}""", "kind must be AdmissionReview")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}""", "request is missing")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}""", "request.uid is missing")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":""}}""", "request.uid is missing")]
    public async Task Post_MalformedReview_Is400WithAReason(string body, string reason)
    {
        await using var host = await WebhookTestHost.StartAsync();

        var (status, answer) = await SendAsync(host, HttpMethod.Post, "/mutate", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("BadRequest", answer["reason"]!.GetValue<string>());
        Assert.Contains(reason, answer["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_DeeplyNestedJson_Is400NotACrash()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var nested = new string('[', 5000) + new string(']', 5000);

        var (status, _) = await SendAsync(host, HttpMethod.Post, "/mutate", Json(nested));

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task Post_WrongMediaType_Is415()
    {
        await using var host = await WebhookTestHost.StartAsync();

        var (status, answer) = await SendAsync(host, HttpMethod.Post, "/mutate", new StringContent(Review().ToJsonString(), Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Equal("UnsupportedMediaType", answer["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_Is405()
    {
        await using var host = await WebhookTestHost.StartAsync();

        var (status, answer) = await SendAsync(host, HttpMethod.Get, "/mutate", null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Equal("MethodNotAllowed", answer["reason"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Post_OversizedBody_Is413(bool declaredLength)
    {
        await using var host = await WebhookTestHost.StartAsync(new Dictionary<string, string?> { ["Injection:MaxRequestBytes"] = "70000" });
        var review = Review();
        review["request"]!["object"]!["metadata"]!["annotations"]!["padding"] = new string('x', 80_000);
        HttpContent content = declaredLength
            ? Json(review.ToJsonString())
            : new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(review.ToJsonString())));
        if (!declaredLength)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        var (status, answer) = await SendAsync(host, HttpMethod.Post, "/mutate", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("70000 bytes", answer["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_BadTimeout_Is400()
    {
        await using var host = await WebhookTestHost.StartAsync();

        var (status, _) = await SendAsync(host, HttpMethod.Post, "/mutate?timeout=soon", Json(Review().ToJsonString()));

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task InternalError_FailsOpen_WithAWarning()
    {
        await using var host = await WebhookTestHost.StartAsync(policy: new ThrowingPolicy());

        var (status, answer) = await SendAsync(host, HttpMethod.Post, "/mutate", Json(Review().ToJsonString()));
        var response = answer["response"]!;

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(response["allowed"]!.GetValue<bool>());
        Assert.Null(response["patch"]);
        Assert.StartsWith("metrics-adapter: sidecar not injected", response["warnings"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("error", response["auditAnnotations"]!["injection"]!.GetValue<string>());
    }

    [Fact]
    public async Task InternalError_ConfiguredToDeny_Denies()
    {
        await using var host = await WebhookTestHost.StartAsync(new Dictionary<string, string?> { ["Injection:OnInternalError"] = "Deny" }, new ThrowingPolicy());

        var (_, answer) = await SendAsync(host, HttpMethod.Post, "/mutate", Json(Review().ToJsonString()));
        var response = answer["response"]!;

        Assert.False(response["allowed"]!.GetValue<bool>());
        Assert.Equal(500, response["status"]!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Timeout_Exceeded_AnswersPerTheFailureAction()
    {
        var clock = new MetricsAdapter.Testing.ManualTimeProvider();
        await using var host = await WebhookTestHost.StartAsync(policy: new SlowPolicy(clock, TimeSpan.FromSeconds(3)), clock: clock);

        var (_, answer) = await SendAsync(host, HttpMethod.Post, "/mutate?timeout=1s", Json(Review().ToJsonString()));

        Assert.True(answer["response"]!["allowed"]!.GetValue<bool>());
        Assert.Equal("timeout", answer["response"]!["auditAnnotations"]!["injection-reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task DryRun_GetsTheSameAnswer()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var review = Review();
        var dry = (JsonObject)review.DeepClone();
        dry["request"]!["dryRun"] = true;

        var (_, wet) = await SendAsync(host, HttpMethod.Post, "/mutate", Json(review.ToJsonString()));
        var (_, dried) = await SendAsync(host, HttpMethod.Post, "/mutate", Json(dry.ToJsonString()));

        Assert.True(JsonNode.DeepEquals(wet, dried));
    }

    private sealed class ThrowingPolicy : IInjectionPolicy
    {
        public InjectionDecision Decide(AdmissionRequest request) => throw new InvalidOperationException("boom");
    }

    /// <summary>Takes <paramref name="delay"/> of the manual clock's time to decide.</summary>
    private sealed class SlowPolicy(MetricsAdapter.Testing.ManualTimeProvider clock, TimeSpan delay) : IInjectionPolicy
    {
        public InjectionDecision Decide(AdmissionRequest request)
        {
            clock.Advance(delay);
            return InjectionDecision.Skip(SkipReasons.OptedOut, "slow");
        }
    }
}
