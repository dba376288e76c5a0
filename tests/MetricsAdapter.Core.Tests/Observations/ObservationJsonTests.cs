using System.Text;
using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Pipeline;

namespace MetricsAdapter.Core.Tests.Observations;

public sealed class ObservationJsonTests
{
    private static readonly DateTimeOffset End = new(2026, 12, 2, 6, 0, 5, TimeSpan.Zero);

    private static Observation Sample(LatencyHistogram? latency = null) => new()
    {
        Service = ServiceKey.Create("shop", "checkout"),
        Pod = "checkout-7d9f8b6c5-x2x4q",
        Node = "node-1.example.com",
        Start = End - TimeSpan.FromSeconds(5),
        End = End,
        Requests = 512,
        Errors = 3,
        Latency = latency,
        PodAnomalyScore = 0.125,
        Sequence = 42,
        Flags = [ObservationFlags.CounterReset],
        Sidecar = "0.2.0",
        Instance = "a1b2c3d4e5f6",
    };

    [Fact]
    public void Serialize_ThenRead_GivesTheSameObservation()
    {
        var latency = new LatencyHistogram([0.005, 0.1, 1, double.PositiveInfinity], [10, 400, 510, 512], 23.75, 512);
        var original = Sample(latency);

        var rejection = new ObservationReader().TryRead(ObservationJson.Serialize(original), out var read, out var detail);

        Assert.Equal(ObservationRejection.None, rejection);
        Assert.Null(detail);
        Assert.Equal(original with { Latency = null, Flags = [] }, read! with { Latency = null, Flags = [] });
        Assert.Equal(original.Flags, read.Flags);
        Assert.Equal(latency.UpperBounds, read.Latency!.UpperBounds);
        Assert.Equal(latency.CumulativeCounts, read.Latency.CumulativeCounts);
        Assert.Equal(latency.Sum, read.Latency.Sum);
    }

    [Fact]
    public void Serialize_WritesTheContractFieldNamesAndUtcTimes()
    {
        var json = Encoding.UTF8.GetString(ObservationJson.Serialize(Sample()));

        Assert.StartsWith("""{"schema":"metrics-adapter.observation/v1","namespace":"shop","service":"checkout","pod":""", json, StringComparison.Ordinal);
        Assert.Contains("\"start\":\"2026-12-02T06:00:00Z\",\"end\":\"2026-12-02T06:00:05Z\"", json, StringComparison.Ordinal);
        Assert.Contains("\"latency\":null", json, StringComparison.Ordinal);
        Assert.Contains("\"flags\":[\"counter-reset\"]", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownFieldsAndPrometheusStyleBounds_AreAccepted()
    {
        const string record = """
            {"schema":"metrics-adapter.observation/v1","namespace":"shop","service":"checkout","pod":"p","start":"2026-12-02T06:00:00Z",
             "end":"2026-12-02T06:00:05.250Z","requests":3,"sequence":0,"added-later":{"nested":[1,2,3]},
             "latency":{"buckets":[{"le":"0.25","count":2},{"le":"+Inf","count":3}],"sum":0.9,"count":3}}
            """;

        var rejection = new ObservationReader().TryRead(Encoding.UTF8.GetBytes(record), out var read, out _);

        Assert.Equal(ObservationRejection.None, rejection);
        Assert.Equal([0.25, double.PositiveInfinity], read!.Latency!.UpperBounds);
        Assert.Equal(TimeSpan.FromSeconds(5.25), read.End - read.Start);
        Assert.Equal(0, read.Errors);
    }

    [Fact]
    public void Read_RepeatedNamesAndLayouts_AreShared()
    {
        var reader = new ObservationReader();
        var latency = new LatencyHistogram([0.1, double.PositiveInfinity], [1, 2], 0.3, 2);
        reader.TryRead(ObservationJson.Serialize(Sample(latency)), out var first, out _);
        reader.TryRead(ObservationJson.Serialize(Sample(latency) with { Sequence = 43 }), out var second, out _);

        Assert.Same(first!.Pod, second!.Pod);
        Assert.Same(first.Latency!.UpperBounds, second.Latency!.UpperBounds);
    }

    [Theory]
    [InlineData(new[] { 0.1 }, new[] { 1.0 }, "+Inf")]
    [InlineData(new[] { 0.2, 0.1, double.PositiveInfinity }, new[] { 1.0, 2, 2 }, "increase")]
    [InlineData(new[] { 0.1, double.PositiveInfinity }, new[] { 3.0, 2 }, "cumulative")]
    [InlineData(new[] { 0.1, double.PositiveInfinity }, new[] { -1.0, 2 }, "negative")]
    public void Validate_BrokenHistograms_SayWhy(double[] bounds, double[] counts, string why)
    {
        var error = LatencyHistogram.Validate(bounds, counts, 1, counts[^1]);

        Assert.Contains(why, error, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new LatencyHistogram(bounds, counts, 1, counts[^1]));
    }

    [Fact]
    public void Read_OversizedRecord_IsTooLarge()
    {
        var huge = new byte[ObservationJson.MaxBytes + 1];

        Assert.Equal(ObservationRejection.TooLarge, new ObservationReader().TryRead(huge, out _, out _));
    }
}
