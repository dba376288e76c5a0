using System.Text;
using System.Text.Json.Nodes;
using CloudNative.CloudEvents.SystemTextJson;
using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Core.Quantities;

namespace MetricsAdapter.Core.Tests.Decisions;

public sealed class DecisionEventsTests
{
    private static readonly Decision Sample = new()
    {
        Key = new MetricKey(ServiceKey.Create("shop", "checkout"), MetricNames.PredictedLoad),
        Tick = new DateTimeOffset(2026, 12, 2, 14, 2, 15, TimeSpan.Zero),
        Value = Quantity.Parse("412500m"),
        Labels = LabelSet.Create(("service", "checkout"), ("cluster", "prod")),
        Horizon = TimeSpan.FromMinutes(2),
        Model = new ModelIdentity("blend-q0.9", "0.1.0+a1b2c3d4"),
        Inputs = new DecisionInputs { PodsReporting = 3, ObservedRequestsPerSecond = 351.2, WindowSeconds = 15, NewestObservation = new DateTimeOffset(2026, 12, 2, 14, 2, 13, TimeSpan.Zero) },
        Fallback = null,
        Explanation = "Forecast 412 req/s for 2m ahead; the pods' load isn't falling.",
    };

    [Fact]
    public void Serialize_IsACloudEvent_ThatTheCncfSdkReads()
    {
        var bytes = DecisionEvents.Serialize(Sample, "/metrics-adapter/metrics-adapter/adapter-0");

        var cloudEvent = new JsonEventFormatter().DecodeStructuredModeMessage(bytes, new System.Net.Mime.ContentType("application/cloudevents+json"), null);

        Assert.Equal(CloudNative.CloudEvents.CloudEventsSpecVersion.V1_0, cloudEvent.SpecVersion);
        Assert.Equal("shop/checkout/predicted_load/2026-12-02T14:02:15Z", cloudEvent.Id);
        Assert.Equal("io.metrics-adapter.decision.v1", cloudEvent.Type);
        Assert.Equal(new Uri("/metrics-adapter/metrics-adapter/adapter-0", UriKind.Relative), cloudEvent.Source);
        Assert.Equal("shop/checkout", cloudEvent.Subject);
        Assert.Equal(Sample.Tick, cloudEvent.Time);
        Assert.Equal("application/json", cloudEvent.DataContentType);
        Assert.True(cloudEvent.IsValid);
    }

    [Fact]
    public void Serialize_DataCarriesTheContractFields()
    {
        var data = JsonNode.Parse(DecisionEvents.Serialize(Sample, "/x"))!["data"]!;

        Assert.Equal("predicted_load", data["metric"]!.GetValue<string>());
        Assert.Equal("412500m", data["value"]!.GetValue<string>());
        Assert.Equal("checkout", data["labels"]!["service"]!.GetValue<string>());
        Assert.Equal(120, data["horizonSeconds"]!.GetValue<double>());
        Assert.Equal("blend-q0.9", data["model"]!["name"]!.GetValue<string>());
        Assert.Equal(3, data["inputs"]!["podsReporting"]!.GetValue<int>());
        Assert.True(data.AsObject().ContainsKey("fallback") && data["fallback"] is null);
        Assert.Contains("isn't", data["explanation"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ThenToDecision_RoundTrips()
    {
        var withFallback = Sample with { Fallback = new DecisionFallback(FallbackReasons.PodsSilent, Sample.Tick.AddMinutes(-1)) };

        Assert.True(DecisionEvents.TryParse(DecisionEvents.Serialize(withFallback, "/x"), out var parsed, out _));
        var decision = DecisionEvents.ToDecision(parsed!)!;

        Assert.Equal(withFallback.Id, decision.Id);
        Assert.Equal(withFallback.Value, decision.Value);
        Assert.Equal(withFallback.Labels, decision.Labels);
        Assert.Equal(withFallback.Fallback, decision.Fallback);
        Assert.Equal(withFallback.Inputs, decision.Inputs);
        Assert.Equal(withFallback.Id, DecisionEvents.TryReadId(DecisionEvents.Serialize(withFallback, "/x")));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"specversion":"1.0","id":"x","source":"/s","type":"other.type","time":"2026-01-01T00:00:00Z","subject":"a/b","data":{}}""")]
    [InlineData("""{"specversion":"0.3","id":"x","source":"/s","type":"io.metrics-adapter.decision.v1","time":"2026-01-01T00:00:00Z","subject":"a/b","data":{}}""")]
    public void TryParse_OtherRecords_AreRefused(string record)
    {
        Assert.False(DecisionEvents.TryParse(Encoding.UTF8.GetBytes(record), out _, out var error));
        Assert.NotNull(error);
    }
}
