using System.Text;
using MetricsAdapter.Sidecar.Exposition;

namespace MetricsAdapter.Sidecar.Tests.Exposition;

public sealed class ExpositionParserTests
{
    private const string Requests = "prometheus_http_requests_total";
    private const string Duration = "prometheus_http_request_duration_seconds";

    public static TheoryData<string> AllCaptures => new(Captures.All);

    [Fact]
    public void Parse_PrometheusCapture_KeepsEveryRequestAndLatencySeries()
    {
        var lines = Captures.Lines(Captures.PrometheusText);

        var snapshot = Conventions.Snapshot(Captures.Bytes(Captures.PrometheusText), conventions: Conventions.Prometheus);

        Assert.Equal(11, lines.Count(l => l.StartsWith(Requests + "{", StringComparison.Ordinal)));
        Assert.Equal(10, lines.Count(l => l.StartsWith(Duration + "_count{", StringComparison.Ordinal)));
        Assert.Equal(11, snapshot.Counters(0).Count);
        Assert.Equal(10, snapshot.Histograms(0).Count);
        Assert.Equal(0, snapshot.ChosenConvention);
        Assert.Equal(0, snapshot.ImpossibleSamples);
        Assert.Equal(0, snapshot.SeriesOverLimit);
    }

    [Fact]
    public void Parse_PrometheusCapture_KnownSeriesValuesMatchTheFile()
    {
        const string Metrics = Requests + "{code=\"200\",handler=\"/metrics\"}";
        const string QueryCount = Duration + "_count{handler=\"/api/v1/query\"}";
        const string QuerySum = Duration + "_sum{handler=\"/api/v1/query\"}";
        var snapshot = Conventions.Snapshot(Captures.Bytes(Captures.PrometheusText), conventions: Conventions.Prometheus);

        // The identity is a keyed hash of the labels: a one-line exposition with the same seed names the same series.
        var metrics = Assert.Single(Conventions.Snapshot(Metrics + " 1", conventions: Conventions.Prometheus).Counters(0)).Key;
        var query = Assert.Single(Conventions.Snapshot(QueryCount + " 1", conventions: Conventions.Prometheus).Histograms(0)).Key;

        Assert.Equal(10, Captures.ValueOf(Captures.PrometheusText, Metrics));
        Assert.Equal(Captures.ValueOf(Captures.PrometheusText, Metrics), snapshot.Counters(0)[metrics].Value);
        Assert.False(snapshot.Counters(0)[metrics].IsError);
        var histogram = snapshot.Histograms(0)[query];
        Assert.Equal(6, Captures.ValueOf(Captures.PrometheusText, QueryCount));
        Assert.Equal(Captures.ValueOf(Captures.PrometheusText, QueryCount), histogram.Count);
        Assert.Equal(0.001505456, Captures.ValueOf(Captures.PrometheusText, QuerySum));
        Assert.Equal(Captures.ValueOf(Captures.PrometheusText, QuerySum), histogram.Sum);
        Assert.Equal([0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120, double.PositiveInfinity], histogram.Buckets.Select(b => b.UpperBound));
        Assert.All(histogram.Buckets, b => Assert.Equal(6, b.Cumulative));
        Assert.Equal(6, histogram.Total);
    }

    [Fact]
    public void Parse_PythonOpenMetrics_ReadsTotalsAndHistogramsAndIgnoresCreatedAndExemplars()
    {
        var snapshot = Conventions.Snapshot(Captures.Bytes(Captures.PythonOpenMetrics), errorPrefixes: ["4"]);
        var ready = Assert.Single(Conventions.Snapshot("http_request_duration_seconds_count{handler=\"/ready\",method=\"GET\"} 1").Histograms(0)).Key;
        var query200 = Assert.Single(Conventions.Snapshot("http_requests_total{code=\"200\",handler=\"/api/v1/query\",method=\"GET\"} 1").Counters(0)).Key;

        Assert.Equal(0, snapshot.ChosenConvention);
        Assert.Equal(5, snapshot.Counters(0).Count);
        Assert.Equal(10, snapshot.Counters(0).Values.Sum(c => c.Value));
        Assert.Equal(2, snapshot.Counters(0).Values.Count(c => c.IsError));
        Assert.Equal(2, snapshot.Counters(0).Values.Where(c => c.IsError).Sum(c => c.Value));

        // The exemplar "# {trace_id="abc0000"} 1.0 …" after the value is not the value.
        Assert.Equal(3, snapshot.Counters(0)[query200].Value);
        Assert.Equal(3, snapshot.Histograms(0).Count);
        var histogram = snapshot.Histograms(0)[ready];
        Assert.Equal(12, histogram.Buckets.Count);
        Assert.Equal((0.01, 1.0), histogram.Buckets[1]);
        Assert.Equal(3, histogram.Count);
        Assert.Equal(0.045, histogram.Sum);
        Assert.Equal(0, snapshot.ImpossibleSamples);
    }

    [Fact]
    public void Parse_PythonOpenMetrics_EofAndCreatedSamplesAreAcceptedAndNotRead()
    {
        var body = Captures.Bytes(Captures.PythonOpenMetrics);
        var sink = new RecordingSink("http_requests_total", "http_requests_created");

        Assert.EndsWith("# EOF\n", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        Assert.Null(new ExpositionParser().Parse(body, sink));
        Assert.Equal(5, sink.Samples.Count(s => s.Name == "http_requests_total"));
        Assert.Equal(5, sink.Samples.Count(s => s.Name == "http_requests_created"));
        Assert.Equal(1.796429699278684e+09, sink.Samples.First(s => s.Name == "http_requests_created").Value);
        var first = sink.Samples[0];
        Assert.Equal("http_requests_total{code=\"200\",handler=\"/api/v1/query\",method=\"GET\"} 3", first.ToString());
    }

    [Fact]
    public void Parse_NodeExporterInfoLabels_ValuesWithSpacesHashesParenthesesAndEmptyAreRead()
    {
        var sink = new RecordingSink("node_uname_info", "node_os_info", "node_disk_info");

        Assert.Null(new ExpositionParser().Parse(Captures.Bytes(Captures.NodeExporterText), sink));

        var uname = Assert.Single(sink.Samples, s => s.Name == "node_uname_info");
        Assert.Equal("(none)", uname.Label("domainname"));
        Assert.Equal("#1 SMP PREEMPT_DYNAMIC @0", uname.Label("version"));
        Assert.Equal("6.18.44-fc-v1272", uname.Label("release"));
        Assert.Equal(6, uname.Labels.Count);
        Assert.Equal(1, uname.Value);
        var os = Assert.Single(sink.Samples, s => s.Name == "node_os_info");
        Assert.Equal("Debian GNU/Linux 12 (bookworm)", os.Label("pretty_name"));
        Assert.Equal(string.Empty, os.Label("build_id"));
        Assert.Equal("12", os.Label("version_id"));
        Assert.Equal(12, os.Labels.Count);
        Assert.Equal(2, sink.Samples.Count(s => s.Name == "node_disk_info"));
        Assert.All(sink.Samples.Where(s => s.Name == "node_disk_info"), s => Assert.Equal(string.Empty, s.Label("model")));
    }

    [Theory]
    [MemberData(nameof(AllCaptures))]
    public void Parse_CaptureWantingEverySample_ReadsOneSamplePerSampleLine(string capture)
    {
        var sink = new RecordingSink();

        Assert.Null(new ExpositionParser().Parse(Captures.Bytes(capture), sink));

        Assert.Equal(Captures.Lines(capture).Count(l => l.Length > 0 && !l.StartsWith('#')), sink.Samples.Count);
    }

    [Fact]
    public void Parse_ExponentBucketBounds_AreReadAsNumbers()
    {
        var sizes = new MetricConvention("sizes", null, "prometheus_http_response_size_bytes", 1, ["code"]);
        var healthy = Assert.Single(Conventions.Snapshot("prometheus_http_response_size_bytes_count{handler=\"/-/healthy\"} 1", conventions: sizes).Histograms(0)).Key;

        var snapshot = Conventions.Snapshot(Captures.Bytes(Captures.PrometheusText), conventions: sizes);

        var series = snapshot.Histograms(0)[healthy];
        Assert.Equal([100, 1000, 10_000, 100_000, 1e6, 1e7, 1e8, 1e9, double.PositiveInfinity], series.Buckets.Select(b => b.UpperBound));
        Assert.Equal(90, series.Sum);
        Assert.Equal(3, series.Count);
    }

    [Fact]
    public void Parse_PythonSpecialValues_NanInfinitiesAndExponentsAreRead()
    {
        var sink = new RecordingSink("queue_depth");

        Assert.Null(new ExpositionParser().Parse(Captures.Bytes(Captures.PythonOpenMetrics), sink));

        var values = sink.Samples.ToDictionary(s => s.Label("kind")!, s => s.Value);
        Assert.True(double.IsNaN(values["nan"]));
        Assert.Equal(double.PositiveInfinity, values["posinf"]);
        Assert.Equal(double.NegativeInfinity, values["neginf"]);
        Assert.Equal(1e6, values["big"]);
        Assert.Equal(1.5e-7, values["tiny"]);
        Assert.Equal(-3, values["neg"]);
    }

    [Theory]
    [InlineData("+Inf", double.PositiveInfinity)]
    [InlineData("-Inf", double.NegativeInfinity)]
    [InlineData("inf", double.PositiveInfinity)]
    [InlineData("+infinity", double.PositiveInfinity)]
    [InlineData("1e+06", 1e6)]
    [InlineData("1.5e-07", 1.5e-7)]
    [InlineData("-3.0", -3)]
    [InlineData("0", 0)]
    [InlineData("8.842999999999999e-05", 8.842999999999999e-05)]
    public void TryParseValue_GoAndPythonForms_AreNumbers(string text, double expected)
    {
        Assert.True(ExpositionParser.TryParseValue(Encoding.UTF8.GetBytes(text), out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("nan")]
    public void TryParseValue_NaN_IsNaN(string text)
    {
        Assert.True(ExpositionParser.TryParseValue(Encoding.UTF8.GetBytes(text), out var value));
        Assert.True(double.IsNaN(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("+")]
    [InlineData("abc")]
    [InlineData("1,5")]
    [InlineData("0x10")]
    public void TryParseValue_NotANumber_IsRefused(string text)
    {
        Assert.False(ExpositionParser.TryParseValue(Encoding.UTF8.GetBytes(text), out _));
    }

    [Fact]
    public void Parse_PythonEscapedLabelValues_AreUnescaped()
    {
        var sink = new RecordingSink("escaped_labels_total");

        Assert.Null(new ExpositionParser().Parse(Captures.Bytes(Captures.PythonOpenMetrics), sink));

        Assert.Equal(["/a\"quoted\"", "back\\slash", "new\nline", "utf8-é✓"], sink.Samples.Select(s => s.Label("path")));
        Assert.Equal([1.0, 2, 3, 4], sink.Samples.Select(s => s.Value));
    }

    [Fact]
    public void Parse_EscapesNextToEachOther_AreUnescapedInOrder()
    {
        var sink = new RecordingSink("m");

        Assert.Null(new ExpositionParser().Parse("m{a=\"x\\\\\\\"y\",b=\"\\\\\",c=\"}\"} 7\n"u8, sink));

        var sample = Assert.Single(sink.Samples);
        Assert.Equal("x\\\"y", sample.Label("a"));
        Assert.Equal("\\", sample.Label("b"));
        Assert.Equal("}", sample.Label("c"));
        Assert.Equal(7, sample.Value);
    }

    [Fact]
    public void Parse_TimestampAndCrLf_ValueIsReadAndTheRestIgnored()
    {
        var sink = new RecordingSink("http_requests_total");

        Assert.Null(new ExpositionParser().Parse("http_requests_total{code=\"200\"} 5 1700000000000\r\nhttp_requests_total 6\r\n"u8, sink));

        Assert.Equal([5.0, 6], sink.Samples.Select(s => s.Value));
        Assert.Equal("200", sink.Samples[0].Label("code"));
    }

    [Fact]
    public void Parse_QuotedUtf8MetricName_IsRead()
    {
        // Prometheus 3 writes names outside the legacy charset quoted inside the braces.
        var snapshot = new ScrapeSnapshot(MetricConvention.Defaults, ["5"], 1, 100);
        var sink = new RecordingSink("http.server.requests");

        Assert.Null(new ExpositionParser().Parse("{\"http_requests_total\", code=\"503\"} 5\n"u8, snapshot));
        Assert.Null(new ExpositionParser().Parse("{\"http.server.requests\",code=\"200\"} 9\n"u8, sink));

        var counter = Assert.Single(snapshot.Counters(0)).Value;
        Assert.Equal(new CounterSeries(5, IsError: true), counter);
        Assert.Equal("http.server.requests{code=\"200\"} 9", Assert.Single(sink.Samples).ToString());
    }

    [Fact]
    public void Parse_HtmlPage_FailsWithSyntaxOnLineOne()
    {
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><title>Login</title></head>\n<body><form action=\"/login\"></form></body></html>\n"u8;

        var error = new ExpositionParser().Parse(html, new RecordingSink("http_requests_total"));

        Assert.NotNull(error);
        Assert.Equal(ScrapeErrors.Syntax, error.Kind);
        Assert.Equal(1, error.Line);
        Assert.StartsWith("line 1: ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_GarbageAfterValidLines_FailsOnThatLine()
    {
        var body = "# HELP http_requests_total Requests.\nhttp_requests_total{code=\"200\"} 1\n<html>\nhttp_requests_total{code=\"500\"} 1\n"u8;

        var error = new ExpositionParser().Parse(body, new RecordingSink("http_requests_total"));

        Assert.Equal(ScrapeErrors.Syntax, error?.Kind);
        Assert.Equal(3, error?.Line);
    }

    [Theory]
    [InlineData("http_requests_total{code=\"200\",handler=\"/api/v1/qu")]
    [InlineData("http_requests_total{code=\"200\",handler=\"/api/v1/query\"}")]
    [InlineData("http_requests_total{code=\"200\",handler=\"/api/v1/query\"} ")]
    [InlineData("http_requests_total{code=\"200\",handler")]
    [InlineData("http_requests_total{code=\"200\" handler=\"x\"} 1")]
    [InlineData("http_requests_total{code=200} 1")]
    [InlineData("http_requests_total{code=\"200\"} 1.2.3")]
    public async Task Parse_TruncatedOrMalformedWantedLine_FailsWithSyntaxOnItsLine(string last)
    {
        var body = Encoding.UTF8.GetBytes("http_requests_total{code=\"200\",handler=\"/\"} 1\n" + last);

        var error = new ExpositionParser().Parse(body, new RecordingSink("http_requests_total"));
        var streamed = await new ExpositionParser().ParseAsync(new ChunkedStream(body, 7), new RecordingSink("http_requests_total"), CancellationToken.None);

        Assert.Equal(ScrapeErrors.Syntax, error?.Kind);
        Assert.Equal(2, error?.Line);
        Assert.Equal(error, streamed);
    }

    [Fact]
    public void Parse_MalformedUnwantedLine_IsSkipped()
    {
        var sink = new RecordingSink("http_requests_total");

        Assert.Null(new ExpositionParser().Parse("other_metric{a=\"unterminated\n http_requests_total 4\n"u8, sink));

        Assert.Equal(4, Assert.Single(sink.Samples).Value);
    }

    [Fact]
    public async Task Parse_OverLongLineOfUnwantedMetric_IsSkipped()
    {
        var body = Encoding.UTF8.GetBytes($"other_metric{{label=\"{new string('x', 600)}\"}} 1\nhttp_requests_total 4\n");
        var sink = new RecordingSink("http_requests_total");
        var streamedSink = new RecordingSink("http_requests_total");
        var chunkedSink = new RecordingSink("http_requests_total");

        Assert.Null(new ExpositionParser(maxLineBytes: 256).Parse(body, sink));
        Assert.Null(await new ExpositionParser(maxLineBytes: 256).ParseAsync(new MemoryStream(body), streamedSink, CancellationToken.None));
        Assert.Null(await new ExpositionParser(maxLineBytes: 256).ParseAsync(new ChunkedStream(body, 7), chunkedSink, CancellationToken.None));

        Assert.Equal("http_requests_total{} 4\n", sink.Dump());
        Assert.Equal(sink.Dump(), streamedSink.Dump());
        Assert.Equal(sink.Dump(), chunkedSink.Dump());
    }

    [Fact]
    public async Task Parse_OverLongLineOfWantedMetric_FailsWithSyntaxOnItsLine()
    {
        var body = Encoding.UTF8.GetBytes($"http_requests_total 1\nhttp_requests_total{{label=\"{new string('x', 600)}\"}} 1\n");

        var error = new ExpositionParser(maxLineBytes: 256).Parse(body, new RecordingSink("http_requests_total"));
        var chunked = await new ExpositionParser(maxLineBytes: 256).ParseAsync(new ChunkedStream(body, 7), new RecordingSink("http_requests_total"), CancellationToken.None);

        Assert.Equal(new ExpositionError(ScrapeErrors.Syntax, 2, "line longer than 256 bytes"), error);
        Assert.Equal(error, chunked);
    }

    [Fact]
    public async Task ParseAsync_OverLongWantedLineArrivingInOneRead_FailsLikeParse()
    {
        // The limit must not depend on how the body happens to arrive: a MemoryStream hands it over in one read.
        var body = Encoding.UTF8.GetBytes($"http_requests_total 1\nhttp_requests_total{{label=\"{new string('x', 600)}\"}} 1\n");

        var error = await new ExpositionParser(maxLineBytes: 256).ParseAsync(new MemoryStream(body), new RecordingSink("http_requests_total"), CancellationToken.None);

        Assert.Equal(new ExpositionError(ScrapeErrors.Syntax, 2, "line longer than 256 bytes"), error);
    }

    [Fact]
    public async Task ParseAsync_LineOfExactlyTheLimitArrivingByteByByte_IsAcceptedLikeParse()
    {
        var prefix = "http_requests_total{label=\"";
        var suffix = "\"} 1";
        var line = prefix + new string('x', 256 - prefix.Length - suffix.Length) + suffix;
        var body = Encoding.UTF8.GetBytes(line + "\n");
        var sink = new RecordingSink("http_requests_total");
        var streamed = new RecordingSink("http_requests_total");

        Assert.Equal(256, line.Length);
        Assert.Null(new ExpositionParser(maxLineBytes: 256).Parse(body, sink));
        Assert.Null(await new ExpositionParser(maxLineBytes: 256).ParseAsync(new ChunkedStream(body, 1), streamed, CancellationToken.None));
        Assert.Equal(sink.Dump(), streamed.Dump());
    }

    [Fact]
    public async Task ParseAsync_BodyOverTheLimit_FailsTooLarge()
    {
        var body = Captures.Bytes(Captures.PrometheusText);
        var parser = new ExpositionParser(maxLineBytes: 256, maxBodyBytes: 4096);

        var error = await parser.ParseAsync(new MemoryStream(body), new RecordingSink(Requests), CancellationToken.None);
        var chunked = await parser.ParseAsync(new ChunkedStream(body, 7), new RecordingSink(Requests), CancellationToken.None);
        var small = await parser.ParseAsync(new MemoryStream(body, 0, 4096), new RecordingSink(Requests), CancellationToken.None);

        Assert.Equal(ScrapeErrors.TooLarge, error?.Kind);
        Assert.Equal("body larger than 4096 bytes", error?.Message);
        Assert.Equal(ScrapeErrors.TooLarge, chunked?.Kind);
        Assert.Null(small);
    }

    [Theory]
    [MemberData(nameof(AllCaptures))]
    public async Task ParseAsync_CaptureInOddChunks_SamplesIdenticalToParse(string capture)
    {
        var body = Captures.Bytes(capture);
        var whole = new RecordingSink();
        var streamed = new RecordingSink();

        Assert.Null(new ExpositionParser().Parse(body, whole));
        Assert.Null(await new ExpositionParser().ParseAsync(new ChunkedStream(body, 7), streamed, CancellationToken.None));

        Assert.NotEmpty(whole.Samples);
        Assert.Equal(whole.Dump(), streamed.Dump());
    }

    [Theory]
    [MemberData(nameof(AllCaptures))]
    public async Task ParseAsync_CaptureInOddChunks_SnapshotIdenticalToParse(string capture)
    {
        var body = Captures.Bytes(capture);
        MetricConvention[] conventions = [Conventions.Prometheus, .. MetricConvention.Defaults];
        var whole = new ScrapeSnapshot(conventions, ["5", "4"], 7, 10_000);
        var streamed = new ScrapeSnapshot(conventions, ["5", "4"], 7, 10_000);

        Assert.Null(new ExpositionParser().Parse(body, whole));
        Assert.Null(await new ExpositionParser().ParseAsync(new ChunkedStream(body, 13), streamed, CancellationToken.None));

        Assert.Equal(Conventions.Dump(whole, conventions.Length), Conventions.Dump(streamed, conventions.Length));
    }

    [Fact]
    public async Task ParseAsync_BodyWithoutFinalNewline_ReadsTheLastLine()
    {
        var sink = new RecordingSink("http_requests_total");

        Assert.Null(await new ExpositionParser().ParseAsync(new ChunkedStream("# x\nhttp_requests_total 3"u8.ToArray(), 5), sink, CancellationToken.None));

        Assert.Equal(3, Assert.Single(sink.Samples).Value);
    }
}
