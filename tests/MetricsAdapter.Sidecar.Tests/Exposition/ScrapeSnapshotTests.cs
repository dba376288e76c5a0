using MetricsAdapter.Sidecar.Exposition;

namespace MetricsAdapter.Sidecar.Tests.Exposition;

public sealed class ScrapeSnapshotTests
{
    [Fact]
    public void ChosenConvention_OnlyALaterConventionHasData_IsThatOne()
    {
        var snapshot = Conventions.Snapshot("""
            http_requests_received_total{code="200",method="GET"} 4
            http_server_request_duration_seconds_count{http_response_status_code="200"} 9
            """);

        Assert.Equal(1, snapshot.ChosenConvention);
        Assert.Equal("prometheus-net", snapshot.Convention(snapshot.ChosenConvention).Name);
        Assert.Single(snapshot.Counters(1));
        Assert.Single(snapshot.Histograms(2));
    }

    [Fact]
    public void ChosenConvention_SeveralHaveData_FirstInConfiguredOrderWins()
    {
        var snapshot = Conventions.Snapshot("""
            http_server_duration_milliseconds_count{http_status_code="200"} 2
            http_requests_received_total{code="200"} 4
            http_requests_total{code="200"} 3
            """);

        Assert.Equal(0, snapshot.ChosenConvention);
        Assert.Equal("prometheus-client", snapshot.Convention(0).Name);
    }

    [Fact]
    public void ChosenConvention_NoWantedMetric_IsMinusOne()
    {
        var snapshot = Conventions.Snapshot(Captures.Bytes(Captures.NodeExporterText));

        Assert.Equal(-1, snapshot.ChosenConvention);
    }

    [Fact]
    public void ChosenConvention_HistogramOnlyConvention_CountsAsData()
    {
        var snapshot = Conventions.Snapshot("http_server_requests_seconds_count{status=\"200\"} 1\n");

        Assert.Equal(4, snapshot.ChosenConvention);
    }

    [Fact]
    public void Sample_MoreCounterSeriesThanMaxSeries_KeepsTheFirstAndCountsTheRest()
    {
        var snapshot = Conventions.Snapshot("""
            http_requests_total{code="200"} 1
            http_requests_total{code="201"} 2
            http_requests_total{code="200"} 5
            http_requests_total{code="500"} 3
            http_requests_total{code="503"} 4
            """, maxSeries: 2);

        Assert.Equal(2, snapshot.Counters(0).Count);
        Assert.Equal([2.0, 5], snapshot.Counters(0).Values.Select(c => c.Value).Order());
        Assert.Equal(2, snapshot.SeriesOverLimit);
        Assert.Equal("2 series kept, 2 over the limit", snapshot.ToString());
    }

    [Fact]
    public void Sample_HistogramSeriesOverMaxSeries_CountsEachSeriesOnce()
    {
        // Prometheus' capture: 10 latency histogram series (10 buckets, _sum, _count each) come before 11 counter series.
        var snapshot = Conventions.Snapshot(Captures.Bytes(Captures.PrometheusText), maxSeries: 1, conventions: Conventions.Prometheus);

        Assert.Single(snapshot.Histograms(0));
        Assert.Empty(snapshot.Counters(0));
        Assert.Equal(9 + 11, snapshot.SeriesOverLimit);
    }

    [Theory]
    [InlineData("500", true)]
    [InlineData("503", true)]
    [InlineData("5xx", true)]
    [InlineData("404", false)]
    [InlineData("200", false)]
    [InlineData("", false)]
    public void Sample_StatusLabel_ErrorWhenItStartsWithAnErrorPrefix(string code, bool error)
    {
        var snapshot = Conventions.Snapshot($$"""
            http_requests_total{code="{{code}}",handler="/"} 1
            http_request_duration_seconds_count{code="{{code}}",handler="/"} 1
            """);

        Assert.Equal(error, Assert.Single(snapshot.Counters(0)).Value.IsError);
        Assert.Equal(error, Assert.Single(snapshot.Histograms(0)).Value.IsError);
    }

    [Fact]
    public void Sample_SeveralStatusLabels_TheFirstConfiguredOneDecides()
    {
        // prometheus-client's status labels are code, status, status_code in that order, whatever the label order.
        var snapshot = Conventions.Snapshot("""
            http_requests_total{status="500",code="200"} 1
            http_requests_total{status_code="200",status="503"} 2
            http_requests_total{other="500"} 4
            """);

        Assert.Equal([(1.0, false), (2.0, true), (4.0, false)], snapshot.Counters(0).Values.Select(c => (c.Value, c.IsError)).Order());
    }

    [Fact]
    public void Sample_ConfiguredErrorPrefixes_AreUsed()
    {
        var snapshot = Conventions.Snapshot("""
            http_requests_total{code="429"} 1
            http_requests_total{code="500"} 2
            """, errorPrefixes: ["429", "5"]);

        Assert.All(snapshot.Counters(0).Values, c => Assert.True(c.IsError));
    }

    [Fact]
    public void Sample_MillisecondsConvention_BoundsAndSumAreScaledToSeconds()
    {
        var snapshot = Conventions.Snapshot("""
            http_server_duration_milliseconds_bucket{http_status_code="200",le="5"} 1
            http_server_duration_milliseconds_bucket{http_status_code="200",le="10"} 2
            http_server_duration_milliseconds_bucket{http_status_code="200",le="250"} 2
            http_server_duration_milliseconds_bucket{http_status_code="200",le="+Inf"} 3
            http_server_duration_milliseconds_sum{http_status_code="200"} 20
            http_server_duration_milliseconds_count{http_status_code="200"} 3
            """);

        Assert.Equal(3, snapshot.ChosenConvention);
        var series = Assert.Single(snapshot.Histograms(3)).Value;
        Assert.Equal([(0.005, 1.0), (0.01, 2), (0.25, 2), (double.PositiveInfinity, 3)], series.Buckets);
        Assert.Equal(0.02, series.Sum, 15);
        Assert.Equal(3, series.Count);
    }

    [Fact]
    public void Sample_BucketsOutOfOrderOrRepeated_AreKeptSortedByBound()
    {
        var snapshot = Conventions.Snapshot("""
            http_request_duration_seconds_bucket{le="+Inf"} 5
            http_request_duration_seconds_bucket{le="1"} 4
            http_request_duration_seconds_bucket{le="0.1"} 2
            http_request_duration_seconds_bucket{le="1"} 3
            """);

        var series = Assert.Single(snapshot.Histograms(0)).Value;
        Assert.Equal([(0.1, 2.0), (1, 3), (double.PositiveInfinity, 5)], series.Buckets);
        Assert.True(double.IsNaN(series.Count));
        Assert.Equal(5, series.Total);
    }

    [Theory]
    [InlineData("http_requests_total{code=\"200\"} -1")]
    [InlineData("http_requests_total{code=\"200\"} NaN")]
    [InlineData("http_requests_total{code=\"200\"} +Inf")]
    [InlineData("http_request_duration_seconds_sum 1e400")]
    [InlineData("http_request_duration_seconds_count -3")]
    [InlineData("http_request_duration_seconds_bucket{le=\"0.5\"} NaN")]
    [InlineData("http_request_duration_seconds_bucket{le=\"+Inf\"} NaN")]
    [InlineData("http_request_duration_seconds_bucket{le=\"+Inf\"} +Inf")]
    public void Sample_ValueNoCounterCanHave_IsCountedAndIgnored(string line)
    {
        var snapshot = Conventions.Snapshot(line + "\n");

        Assert.Equal(1, snapshot.ImpossibleSamples);
        Assert.Empty(snapshot.Counters(0));
        Assert.Empty(snapshot.Histograms(0));
    }

    [Fact]
    public void Sample_TwoSeriesDifferingOnlyInAPersonalLabel_AreTwoIdentities()
    {
        const string Text = """
            http_requests_total{code="200",client="203.0.113.7",user="alice@example.com"} 1
            http_requests_total{code="200",client="203.0.113.8",user="alice@example.com"} 2
            http_requests_total{code="200",client="203.0.113.7",user="bob@example.com"} 3
            """;

        var snapshot = Conventions.Snapshot(Text);

        Assert.Equal(3, snapshot.Counters(0).Count);
        Assert.Equal([1.0, 2, 3], snapshot.Counters(0).Values.Select(c => c.Value).Order());
    }

    [Fact]
    public void Sample_SameExpositionDifferentSeeds_DifferentIdentities()
    {
        const string Text = """
            http_requests_total{code="200",client="203.0.113.7",user="alice@example.com"} 1
            http_requests_total{code="500",client="203.0.113.7",user="alice@example.com"} 2
            http_request_duration_seconds_count{client="203.0.113.7",user="alice@example.com"} 3
            """;

        var first = Conventions.Snapshot(Text, seed: 1);
        var again = Conventions.Snapshot(Text, seed: 1);
        var other = Conventions.Snapshot(Text, seed: 2);

        Assert.Equal(first.Counters(0).Keys.Order(), again.Counters(0).Keys.Order());
        Assert.Equal(first.Histograms(0).Keys, again.Histograms(0).Keys);
        Assert.Empty(first.Counters(0).Keys.Intersect(other.Counters(0).Keys));
        Assert.Empty(first.Histograms(0).Keys.Intersect(other.Histograms(0).Keys));
        Assert.Equal(2, other.Counters(0).Count);
    }

    [Fact]
    public void Sample_LabelNameAndValueBoundaries_AreNotConfused()
    {
        // Length-prefixed hashing: moving characters between name and value, or between labels, is another series.
        var snapshot = Conventions.Snapshot("""
            http_requests_total{ab="c"} 1
            http_requests_total{a="bc"} 2
            http_requests_total{a="b",c=""} 3
            http_requests_total{a="",bc=""} 4
            """);

        Assert.Equal(4, snapshot.Counters(0).Count);
    }

    [Fact]
    public void Sample_BucketSumAndCountOfOneLabelSet_AreOneSeries()
    {
        var snapshot = Conventions.Snapshot("""
            http_request_duration_seconds_bucket{handler="/a",le="0.1"} 1
            http_request_duration_seconds_bucket{handler="/a",le="+Inf"} 2
            http_request_duration_seconds_sum{handler="/a"} 0.3
            http_request_duration_seconds_count{handler="/a"} 2
            http_request_duration_seconds_count{handler="/b"} 0
            """, maxSeries: 2);

        Assert.Equal(2, snapshot.Histograms(0).Count);
        Assert.Equal(0, snapshot.SeriesOverLimit);
        var a = snapshot.Histograms(0).Values.Single(h => h.Buckets.Count == 2);
        Assert.Equal(0.3, a.Sum);
        Assert.Equal(2, a.Count);
    }

    [Fact]
    public void Wants_NamesOfTheConventions_OnlyThose()
    {
        var snapshot = new ScrapeSnapshot([Conventions.Prometheus], ["5"], 0, 10);

        Assert.True(snapshot.Wants("prometheus_http_requests_total"u8));
        Assert.True(snapshot.Wants("prometheus_http_request_duration_seconds_bucket"u8));
        Assert.True(snapshot.Wants("prometheus_http_request_duration_seconds_sum"u8));
        Assert.True(snapshot.Wants("prometheus_http_request_duration_seconds_count"u8));
        Assert.False(snapshot.Wants("prometheus_http_request_duration_seconds"u8));
        Assert.False(snapshot.Wants("prometheus_http_requests_created"u8));
        Assert.False(snapshot.Wants("http_requests_total"u8));
        Assert.False(snapshot.Wants(default));
    }
}
