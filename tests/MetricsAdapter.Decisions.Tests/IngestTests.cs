using System.Text;
using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Pipeline;
using static MetricsAdapter.Decisions.Tests.DecisionHarness;

namespace MetricsAdapter.Decisions.Tests;

/// <summary>Bad input on the observation topic is counted and skipped: never a crash, never a poisoned service.</summary>
public sealed class IngestTests
{
    private const string Valid =
        """{"schema":"metrics-adapter.observation/v1","namespace":"shop","service":"checkout","pod":"checkout-a","start":"2026-03-02T09:00:00Z","end":"2026-03-02T09:00:05Z","requests":50,"errors":1,"latency":null,"podAnomalyScore":0.1,"sequence":7,"flags":[]}""";

    public static TheoryData<string, string, string> BadRecords => new()
    {
        { "not JSON", "{\"schema\":", "not-json" },
        { "not an object", "[1,2]", "not-json" },
        { "two objects", Valid + Valid, "not-json" },
        { "no schema", Valid.Replace("\"schema\":\"metrics-adapter.observation/v1\",", string.Empty, StringComparison.Ordinal), "wrong-schema" },
        { "schema v2", Valid.Replace("observation/v1", "observation/v2", StringComparison.Ordinal), "wrong-schema" },
        { "no pod", Valid.Replace("\"pod\":\"checkout-a\",", string.Empty, StringComparison.Ordinal), "missing-field" },
        { "requests as text", Valid.Replace("\"requests\":50", "\"requests\":\"50\"", StringComparison.Ordinal), "missing-field" },
        { "namespace upper case", Valid.Replace("\"shop\"", "\"Shop\"", StringComparison.Ordinal), "invalid-identity" },
        { "service with a slash", Valid.Replace("\"checkout\"", "\"check/out\"", StringComparison.Ordinal), "invalid-identity" },
        { "empty service", Valid.Replace("\"checkout\"", "\"\"", StringComparison.Ordinal), "invalid-identity" },
        { "end before start", Valid.Replace("09:00:05Z", "08:59:00Z", StringComparison.Ordinal), "invalid-interval" },
        { "not UTC", Valid.Replace("09:00:05Z", "10:00:05+01:00", StringComparison.Ordinal), "invalid-interval" },
        { "negative requests", Valid.Replace("\"requests\":50", "\"requests\":-5", StringComparison.Ordinal), "impossible-value" },
        { "more errors than requests", Valid.Replace("\"errors\":1", "\"errors\":51", StringComparison.Ordinal), "impossible-value" },
        { "a counter gone mad", Valid.Replace("\"requests\":50", "\"requests\":1e12", StringComparison.Ordinal), "impossible-value" },
        { "an interval of nanoseconds", Valid.Replace("09:00:05Z", "09:00:00.0000001Z", StringComparison.Ordinal), "invalid-interval" },
        { "score above one", Valid.Replace("0.1", "1.5", StringComparison.Ordinal), "impossible-value" },
        { "histogram without +Inf", Valid.Replace("\"latency\":null", """ "latency":{"buckets":[{"le":0.1,"count":5}],"sum":0.2,"count":5}""", StringComparison.Ordinal), "invalid-histogram" },
        { "histogram counts fall", Valid.Replace("\"latency\":null", """ "latency":{"buckets":[{"le":0.1,"count":5},{"le":"+Inf","count":3}],"sum":0.2,"count":3}""", StringComparison.Ordinal), "invalid-histogram" },
        { "histogram count mismatch", Valid.Replace("\"latency\":null", """ "latency":{"buckets":[{"le":0.1,"count":5},{"le":"+Inf","count":6}],"sum":0.2,"count":9}""", StringComparison.Ordinal), "invalid-histogram" },
        { "latency is a number", Valid.Replace("\"latency\":null", "\"latency\":3", StringComparison.Ordinal), "invalid-histogram" },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public void Ingest_BadRecord_IsCountedAndSkipped_AndTheServiceStaysHealthy(string why, string record, string reason)
    {
        using var harness = new DecisionHarness();
        harness.Clock.Advance(TimeSpan.FromSeconds(5));

        var report = harness.Manager.Ingest("shop/checkout"u8, Encoding.UTF8.GetBytes(record), null, new RecordOrigin("test", 0, 1));

        Assert.True(report.Rejection.Label() == reason, $"{why}: {report.Rejection.Label()}");
        Assert.Equal(1, harness.Recorder.Total("metrics_adapter.observations.rejected", ("reason", reason)));
        Assert.Equal(0, harness.Manager.ServiceCount);
        Assert.Equal(IngestReport.Accepted, harness.Report("checkout-a", 10));
        Assert.Equal(10, Load(harness.RunTick(new Dictionary<string, double> { ["checkout-a"] = 10 })).Inputs.ObservedRequestsPerSecond);
    }

    [Fact]
    public void Ingest_KeyOfAnotherService_IsAKeyMismatch()
    {
        using var harness = new DecisionHarness();
        harness.Clock.Advance(TimeSpan.FromSeconds(5));

        var report = harness.Manager.Ingest("shop/search"u8, Encoding.UTF8.GetBytes(Valid), null, new RecordOrigin("test", 0, 1));

        Assert.Equal(ObservationRejection.KeyMismatch, report.Rejection);
    }

    [Fact]
    public void Ingest_NamespaceOutsideTheConfiguredOnes_IsUnknown()
    {
        using var harness = new DecisionHarness(new DecisionOptions { Namespaces = ["payments"] });
        harness.Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(ObservationRejection.UnknownNamespace, harness.Report("checkout-a", 10).Rejection);
        Assert.Equal(IngestReport.Accepted, harness.Report("payments-a", 10, service: ServiceKey.Create("payments", "api")));
    }

    [Fact]
    public void Ingest_SameSequenceTwice_IsADuplicate_AndGapsAreCountedAsLost()
    {
        using var harness = new DecisionHarness();
        harness.Clock.Advance(TimeSpan.FromSeconds(5));
        var record = Encoding.UTF8.GetBytes(Valid.Replace("2026-03-02T09:00:00Z", "2026-03-02T09:00:00Z", StringComparison.Ordinal));
        Assert.Equal(IngestReport.Accepted, harness.Manager.Ingest("shop/checkout"u8, record, null, default));

        Assert.Equal(IngestReport.Duplicate, harness.Manager.Ingest("shop/checkout"u8, record, null, default));
        var later = Encoding.UTF8.GetBytes(Valid.Replace("\"sequence\":7", "\"sequence\":11", StringComparison.Ordinal));
        Assert.Equal(IngestReport.Accepted, harness.Manager.Ingest("shop/checkout"u8, later, null, default));
        Assert.Equal(3, harness.Recorder.Total("metrics_adapter.observations.lost"));
    }

    [Fact]
    public void Ingest_SidecarRestartedAndItsFirstObservationLost_NewInstanceIsNotADuplicate()
    {
        using var harness = new DecisionHarness();
        harness.Clock.Advance(TimeSpan.FromSeconds(5));
        string Record(int sequence, string instance) =>
            Valid.Replace("\"sequence\":7", $"\"sequence\":{sequence}", StringComparison.Ordinal).Replace("\"sequence\"", $"\"instance\":\"{instance}\",\"sequence\"", StringComparison.Ordinal);

        Assert.Equal(IngestReport.Accepted, harness.Manager.Ingest("shop/checkout"u8, Encoding.UTF8.GetBytes(Record(9000, "a1b2c3")), null, default));
        Assert.Equal(IngestReport.Duplicate, harness.Manager.Ingest("shop/checkout"u8, Encoding.UTF8.GetBytes(Record(12, "a1b2c3")), null, default));

        // The restarted sidecar's sequence 0 (first-interval) was dropped during a Kafka outage; sequence 12 arrives first.
        Assert.Equal(IngestReport.Accepted, harness.Manager.Ingest("shop/checkout"u8, Encoding.UTF8.GetBytes(Record(12, "d4e5f6")), null, default));
        Assert.Equal(IngestReport.Accepted, harness.Manager.Ingest("shop/checkout"u8, Encoding.UTF8.GetBytes(Record(13, "d4e5f6")), null, default));
        Assert.Equal(IngestReport.Duplicate, harness.Manager.Ingest("shop/checkout"u8, Encoding.UTF8.GetBytes(Record(13, "d4e5f6")), null, default));
    }

    [Fact]
    public void Ingest_OldOrFutureIntervals_AreLateOrRefused()
    {
        using var harness = new DecisionHarness();
        harness.Clock.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(IngestReport.Late, harness.Manager.Ingest("shop/checkout"u8, Encoding.UTF8.GetBytes(Valid), null, default));

        using var early = new DecisionHarness();
        early.Clock.Advance(TimeSpan.FromMinutes(-10));
        Assert.Equal(ObservationRejection.InvalidInterval, early.Manager.Ingest("shop/checkout"u8, Encoding.UTF8.GetBytes(Valid), null, default).Rejection);
    }

    [Fact]
    public void Ingest_BeyondTheBounds_RefusesNewServicesAndPods()
    {
        using var harness = new DecisionHarness(new DecisionOptions { MaxServices = 2, MaxPodsPerService = 2 });
        harness.Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(IngestReport.Accepted, harness.Report("a", 1, service: ServiceKey.Create("shop", "one")));
        Assert.Equal(IngestReport.Accepted, harness.Report("b", 1, service: ServiceKey.Create("shop", "two")));
        Assert.Equal(ObservationRejection.TooManyServices, harness.Report("c", 1, service: ServiceKey.Create("shop", "three")).Rejection);
        Assert.Equal(IngestReport.Accepted, harness.Report("a2", 1, service: ServiceKey.Create("shop", "one")));
        Assert.Equal(ObservationRejection.TooManyPods, harness.Report("a3", 1, service: ServiceKey.Create("shop", "one")).Rejection);
        Assert.Equal(2, harness.Manager.ServiceCount);
    }

    [Fact]
    public void Tick_ServiceSilentPastForgetAfter_IsForgotten()
    {
        using var harness = new DecisionHarness();
        harness.RunTick(new Dictionary<string, double> { ["checkout-a"] = 10 });

        harness.Clock.Advance(harness.Options.ForgetAfter + TimeSpan.FromMinutes(1));
        harness.Decide();

        Assert.Equal(0, harness.Manager.ServiceCount);
        Assert.Equal(IngestReport.Accepted, harness.Report("checkout-a", 10));
    }
}
