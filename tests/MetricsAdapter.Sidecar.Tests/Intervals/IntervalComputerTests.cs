using System.Globalization;
using System.Text.RegularExpressions;
using MetricsAdapter.Sidecar.Intervals;

namespace MetricsAdapter.Sidecar.Tests.Intervals;

public sealed partial class IntervalComputerTests
{
    private static readonly TimeSpan Ten = TimeSpan.FromSeconds(10);
    private static readonly IntervalComputer Computer = new(1_000_000);

    [Fact]
    public void Compute_TwoPrometheusCaptures_RequestsAreTheSumOfCounterDeltasInTheFiles()
    {
        var expected = SumOfDeltas("prometheus_http_requests_total{", _ => true);
        var expectedErrors = SumOfDeltas("prometheus_http_requests_total{", labels => labels.Contains("code=\"4", StringComparison.Ordinal));
        var expectedLatencyCount = SumOfDeltas("prometheus_http_request_duration_seconds_count{", _ => true);
        var before = Conventions.Snapshot(Captures.Bytes(Captures.PrometheusText), errorPrefixes: ["4"], conventions: Conventions.Prometheus);
        var after = Conventions.Snapshot(Captures.Bytes(Captures.PrometheusTextLater), errorPrefixes: ["4"], conventions: Conventions.Prometheus);

        var counts = Computer.Compute(before, after, 0, Ten);

        // README: /api/v1/query 200 and 400 3 -> 8, /metrics 10 -> 14, plus /-/ready 4 -> 9 and /api/v1/labels 3 -> 8.
        Assert.Equal(24, expected);
        Assert.Equal(5, expectedErrors);
        Assert.Equal(expected, counts.Requests);
        Assert.Equal(expectedErrors, counts.Errors);
        Assert.False(counts.CounterReset);
        Assert.False(counts.Clipped);
        Assert.NotNull(counts.Latency);
        Assert.Equal(expectedLatencyCount, counts.Latency.Count);
        Assert.Equal([0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120, double.PositiveInfinity], counts.Latency.UpperBounds);
        Assert.Equal(expectedLatencyCount, counts.Latency.CumulativeCounts[^1]);
    }

    [Fact]
    public void Compute_SummaryWithoutBuckets_CountsRequestsFromItsCount()
    {
        // Micrometer's default: http_server_requests_seconds is a summary (no _bucket), and no request counter exists.
        const string Template = """
            # TYPE http_server_requests_seconds summary
            http_server_requests_seconds_count{method="GET",status="200",uri="/cart"} {0}
            http_server_requests_seconds_sum{method="GET",status="200",uri="/cart"} 1.5
            http_server_requests_seconds_count{method="GET",status="503",uri="/cart"} {1}
            http_server_requests_seconds_sum{method="GET",status="503",uri="/cart"} 0.2

            """;
        var before = Conventions.Snapshot(Template.Replace("{0}", "100", StringComparison.Ordinal).Replace("{1}", "4", StringComparison.Ordinal));
        var after = Conventions.Snapshot(Template.Replace("{0}", "130", StringComparison.Ordinal).Replace("{1}", "6", StringComparison.Ordinal));

        var counts = Computer.Compute(before, after, before.ChosenConvention, Ten);

        Assert.Equal("micrometer", before.Convention(before.ChosenConvention).Name);
        Assert.Equal(32, counts.Requests);
        Assert.Equal(2, counts.Errors);
        Assert.Null(counts.Latency);
    }

    [Fact]
    public void Compute_ScrapeCutAtTheSeriesLimit_NewlyAdmittedSeriesCountsNothing()
    {
        // The first scrape kept series a (limit 1, b refused); a vanished, so the second admits b with its lifetime total.
        var before = Conventions.Snapshot("http_requests_total{code=\"200\",route=\"a\"} 10\nhttp_requests_total{code=\"200\",route=\"b\"} 40000000\n", maxSeries: 1);
        var after = Conventions.Snapshot("http_requests_total{code=\"200\",route=\"b\"} 40000010\n", maxSeries: 1);

        var counts = Computer.Compute(before, after, 0, Ten);

        Assert.Equal(1, before.SeriesOverLimit);
        Assert.Equal(0, counts.Requests);
        Assert.False(counts.Clipped);
    }

    [Fact]
    public void Compute_TwoPrometheusCapturesWith5xxErrors_NoErrors()
    {
        var before = Conventions.Snapshot(Captures.Bytes(Captures.PrometheusText), conventions: Conventions.Prometheus);
        var after = Conventions.Snapshot(Captures.Bytes(Captures.PrometheusTextLater), conventions: Conventions.Prometheus);

        var counts = Computer.Compute(before, after, 0, Ten);

        Assert.Equal(24, counts.Requests);
        Assert.Equal(0, counts.Errors);
    }

    [Fact]
    public void Compute_TwoPythonOpenMetricsCaptures_CountsTheSevenRequests()
    {
        var before = Conventions.Snapshot(Captures.Bytes(Captures.PythonOpenMetrics), errorPrefixes: ["4"]);
        var after = Conventions.Snapshot(Captures.Bytes(Captures.PythonOpenMetricsLater), errorPrefixes: ["4"]);

        var counts = Computer.Compute(before, after, 0, Ten);

        // serve_round(7) in python-client-server.py: i = 0..6, code 400 for i = 4 (handler i % 3 = 1: /ready).
        Assert.Equal(7, counts.Requests);
        Assert.Equal(1, counts.Errors);
        Assert.Equal(7, counts.Latency!.Count);
        Assert.Equal(0.036 + 0.021 + 0.027, counts.Latency.Sum, 12);
    }

    [Fact]
    public void Compute_CounterWentDown_CountsTheNewValueAndFlagsAReset()
    {
        var before = Conventions.Snapshot("""
            http_requests_total{code="200"} 100
            http_requests_total{code="500"} 10
            """);
        var after = Conventions.Snapshot("""
            http_requests_total{code="200"} 7
            http_requests_total{code="500"} 12
            """);

        var counts = Computer.Compute(before, after, 0, Ten);

        Assert.Equal(7 + 2, counts.Requests);
        Assert.Equal(2, counts.Errors);
        Assert.True(counts.CounterReset);
        Assert.False(counts.Clipped);
    }

    [Fact]
    public void Compute_SeriesNewSinceThePreviousScrape_CountsItsWholeValue()
    {
        var before = Conventions.Snapshot("http_requests_total{code=\"200\"} 10\n");
        var after = Conventions.Snapshot("""
            http_requests_total{code="200"} 15
            http_requests_total{code="503"} 4
            """);

        var counts = Computer.Compute(before, after, 0, Ten);

        Assert.Equal(5 + 4, counts.Requests);
        Assert.Equal(4, counts.Errors);
        Assert.False(counts.CounterReset);
    }

    [Fact]
    public void Compute_SeriesGoneSinceThePreviousScrape_CountsNothingForIt()
    {
        var before = Conventions.Snapshot("""
            http_requests_total{code="200"} 10
            http_requests_total{code="503"} 4
            """);
        var after = Conventions.Snapshot("http_requests_total{code=\"200\"} 12\n");

        var counts = Computer.Compute(before, after, 0, Ten);

        Assert.Equal(2, counts.Requests);
        Assert.Equal(0, counts.Errors);
    }

    [Fact]
    public void Compute_HistogramGrew_LatencyIsTheBucketDeltas()
    {
        var before = Conventions.Snapshot(Histogram(0.1, 2, 1, 5, 6, sum: 1.5));
        var after = Conventions.Snapshot(Histogram(0.1, 4, 1, 9, 12, sum: 4));

        var counts = Computer.Compute(before, after, 0, Ten);

        Assert.NotNull(counts.Latency);
        Assert.Equal([0.1, 1, double.PositiveInfinity], counts.Latency.UpperBounds);
        Assert.Equal([2.0, 4, 6], counts.Latency.CumulativeCounts);
        Assert.Equal(2.5, counts.Latency.Sum);
        Assert.Equal(6, counts.Latency.Count);
        Assert.Equal(6, counts.Requests);
        Assert.False(counts.CounterReset);
    }

    [Fact]
    public void Compute_HistogramWentDown_LatencyIsTheNewHistogramAndAReset()
    {
        var before = Conventions.Snapshot(Histogram(0.1, 20, 1, 50, 60, sum: 15));
        var after = Conventions.Snapshot(Histogram(0.1, 1, 1, 2, 3, sum: 0.9));

        var counts = Computer.Compute(before, after, 0, Ten);

        Assert.True(counts.CounterReset);
        Assert.Equal([1.0, 2, 3], counts.Latency!.CumulativeCounts);
        Assert.Equal(0.9, counts.Latency.Sum);
        Assert.Equal(3, counts.Requests);
    }

    [Fact]
    public void Compute_HistogramLayoutChanged_IsAReset()
    {
        var before = Conventions.Snapshot(Histogram(0.1, 2, 1, 5, 6, sum: 1.5));
        var after = Conventions.Snapshot(Histogram(0.2, 3, 1, 7, 9, sum: 2));

        var counts = Computer.Compute(before, after, 0, Ten);

        Assert.True(counts.CounterReset);
        Assert.Equal([0.2, 1, double.PositiveInfinity], counts.Latency!.UpperBounds);
        Assert.Equal([3.0, 7, 9], counts.Latency.CumulativeCounts);
    }

    [Fact]
    public void Compute_HistogramWithoutInfBucket_GetsOneFromCount()
    {
        var before = Conventions.Snapshot("""
            http_request_duration_seconds_bucket{le="0.1"} 1
            http_request_duration_seconds_bucket{le="1"} 2
            http_request_duration_seconds_sum 1
            http_request_duration_seconds_count 3
            """);
        var after = Conventions.Snapshot("""
            http_request_duration_seconds_bucket{le="0.1"} 2
            http_request_duration_seconds_bucket{le="1"} 5
            http_request_duration_seconds_sum 3
            http_request_duration_seconds_count 7
            """);

        var first = Computer.Compute(Conventions.Snapshot(string.Empty), before, 0, Ten);
        var counts = Computer.Compute(before, after, 0, Ten);

        Assert.Equal([0.1, 1, double.PositiveInfinity], first.Latency!.UpperBounds);
        Assert.Equal([1.0, 2, 3], first.Latency.CumulativeCounts);
        Assert.Equal([0.1, 1, double.PositiveInfinity], counts.Latency!.UpperBounds);
        Assert.Equal([1.0, 3, 4], counts.Latency.CumulativeCounts);
        Assert.Equal(2, counts.Latency.Sum);
        Assert.Equal(4, counts.Latency.Count);
        Assert.False(counts.CounterReset);
    }

    [Fact]
    public void Compute_NoCounterButHistogramsWithStatus_RequestsAndErrorsFromTheCounts()
    {
        var before = Conventions.Snapshot(string.Empty);
        var after = Conventions.Snapshot("""
            http_request_duration_seconds_bucket{code="200",le="+Inf"} 5
            http_request_duration_seconds_count{code="200"} 5
            http_request_duration_seconds_bucket{code="502",le="+Inf"} 3
            http_request_duration_seconds_count{code="502"} 3
            """);

        var counts = Computer.Compute(before, after, 0, Ten);

        Assert.Equal(8, counts.Requests);
        Assert.Equal(3, counts.Errors);
        Assert.Equal(8, counts.Latency!.Count);
    }

    [Fact]
    public void Compute_CounterAndHistogram_RequestsComeFromTheCounter()
    {
        var before = Conventions.Snapshot("http_requests_total 10\n" + Histogram(0.1, 2, 1, 5, 6, sum: 1.5));
        var after = Conventions.Snapshot("http_requests_total 30\n" + Histogram(0.1, 4, 1, 9, 12, sum: 4));

        var counts = Computer.Compute(before, after, 0, Ten);

        Assert.Equal(20, counts.Requests);
        Assert.Equal(6, counts.Latency!.Count);
    }

    [Fact]
    public void Compute_RateAboveTheMaximum_IsClippedAndLatencyDropped()
    {
        var computer = new IntervalComputer(maxRequestsPerSecond: 10);
        var before = Conventions.Snapshot("http_requests_total 0\n" + Histogram(0.1, 0, 1, 0, 0, sum: 0));
        var after = Conventions.Snapshot("http_requests_total 1000\n" + Histogram(0.1, 500, 1, 900, 1000, sum: 100));

        var counts = computer.Compute(before, after, 0, Ten);

        Assert.Equal(100, counts.Requests);
        Assert.Null(counts.Latency);
        Assert.True(counts.Clipped);
    }

    [Fact]
    public void Compute_RateAtTheMaximum_IsNotClipped()
    {
        var computer = new IntervalComputer(maxRequestsPerSecond: 10);
        var before = Conventions.Snapshot("http_requests_total 0\n");
        var after = Conventions.Snapshot("http_requests_total 100\n");

        var counts = computer.Compute(before, after, 0, Ten);

        Assert.Equal(100, counts.Requests);
        Assert.False(counts.Clipped);
    }

    [Fact]
    public void Compute_ClippedErrors_NeverExceedRequests()
    {
        var computer = new IntervalComputer(maxRequestsPerSecond: 1);
        var before = Conventions.Snapshot("""
            http_requests_total{code="500"} 0
            http_requests_total{code="200"} 0
            """);
        var after = Conventions.Snapshot("""
            http_requests_total{code="500"} 50
            http_requests_total{code="200"} 1
            """);

        var counts = computer.Compute(before, after, 0, Ten);

        Assert.Equal(10, counts.Requests);
        Assert.Equal(10, counts.Errors);
        Assert.True(counts.Clipped);
    }

    [Fact]
    public void Compute_ImpossibleSampleInTheScrape_IsFlaggedClipped()
    {
        var before = Conventions.Snapshot("http_requests_total{code=\"200\"} 1\n");
        var after = Conventions.Snapshot("""
            http_requests_total{code="200"} 3
            http_requests_total{code="500"} -4
            """);

        var counts = Computer.Compute(before, after, 0, Ten);

        Assert.Equal(2, counts.Requests);
        Assert.True(counts.Clipped);
    }

    private static string Histogram(double firstBound, double first, double secondBound, double second, double total, double sum) =>
        string.Create(CultureInfo.InvariantCulture, $$"""
            http_request_duration_seconds_bucket{le="{{firstBound}}"} {{first}}
            http_request_duration_seconds_bucket{le="{{secondBound}}"} {{second}}
            http_request_duration_seconds_bucket{le="+Inf"} {{total}}
            http_request_duration_seconds_sum {{sum}}
            http_request_duration_seconds_count {{total}}

            """);

    /// <summary>Σ over the later capture's series of (later − earlier), read from the two Prometheus files with a regex.</summary>
    private static double SumOfDeltas(string seriesPrefix, Func<string, bool> labels)
    {
        Dictionary<string, double> Read(string capture) => Captures.Lines(capture)
            .Where(l => l.StartsWith(seriesPrefix, StringComparison.Ordinal))
            .Select(l => SampleLine().Match(l))
            .ToDictionary(m => m.Groups["labels"].Value, m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture), StringComparer.Ordinal);

        var before = Read(Captures.PrometheusText);
        var after = Read(Captures.PrometheusTextLater);
        Assert.NotEmpty(after);
        return after.Where(p => labels(p.Key)).Sum(p => p.Value - before.GetValueOrDefault(p.Key));
    }

    [GeneratedRegex(@"^[a-z_]+\{(?<labels>[^}]*)\} (?<value>\S+)$")]
    private static partial Regex SampleLine();
}
