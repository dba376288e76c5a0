using System.Diagnostics.Metrics;

namespace MetricsAdapter.Telemetry.Tests;

public sealed class PrometheusExporterTests
{
    private static PrometheusExporterOptions OptionsFor(string meter) => new()
    {
        Meters = [meter],
        HistogramBoundaries = new Dictionary<string, IReadOnlyList<double>> { ["test.duration"] = [0.001, 0.01] },
        MaxSeriesPerInstrument = 3,
    };

    [Fact]
    public void Scrape_CounterGaugeHistogram_RendersTextFormat()
    {
        var name = "Test." + Guid.NewGuid().ToString("N");
        using var exporter = new PrometheusExporter(OptionsFor(name));
        using var meter = new Meter(name);
        var counter = meter.CreateCounter<long>("test.requests", "{request}", "Requests served.");
        var histogram = meter.CreateHistogram<double>("test.duration", "s", "Time taken.");
        meter.CreateObservableGauge("test.live", () => new Measurement<int>(7, new KeyValuePair<string, object?>("metric", "predicted_load")), "{series}", "Live series.");

        counter.Add(2, new KeyValuePair<string, object?>("code", 200), new KeyValuePair<string, object?>("route", "/x"));
        counter.Add(1, new KeyValuePair<string, object?>("route", "/x"), new KeyValuePair<string, object?>("code", 200));
        counter.Add(1, new KeyValuePair<string, object?>("code", 404), new KeyValuePair<string, object?>("route", "/y\"z"));
        histogram.Record(0.0005);
        histogram.Record(0.005);
        histogram.Record(5);

        Assert.Equal(
            """
            # HELP test_duration_seconds Time taken.
            # TYPE test_duration_seconds histogram
            test_duration_seconds_bucket{le="0.001"} 1
            test_duration_seconds_bucket{le="0.01"} 2
            test_duration_seconds_bucket{le="+Inf"} 3
            test_duration_seconds_sum 5.0055
            test_duration_seconds_count 3
            # HELP test_live Live series.
            # TYPE test_live gauge
            test_live{metric="predicted_load"} 7
            # HELP test_requests_total Requests served.
            # TYPE test_requests_total counter
            test_requests_total{code="200",route="/x"} 3
            test_requests_total{code="404",route="/y\"z"} 1

            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            exporter.Scrape());
    }

    [Fact]
    public void Scrape_TooManyLabelSets_FoldsTheRestIntoOneOverflowSeries()
    {
        var name = "Test." + Guid.NewGuid().ToString("N");
        using var exporter = new PrometheusExporter(OptionsFor(name));
        using var meter = new Meter(name);
        var counter = meter.CreateCounter<long>("test.things");

        for (var i = 0; i < 10; i++)
        {
            counter.Add(1, new KeyValuePair<string, object?>("id", i));
        }

        var lines = exporter.Scrape().Split('\n').Where(l => l.StartsWith("test_things_total", StringComparison.Ordinal)).ToList();

        Assert.Equal(4, lines.Count);
        Assert.Contains("test_things_total{otel_metric_overflow=\"true\"} 7", lines);
    }

    [Fact]
    public void Scrape_OtherMeters_AreNotCollected()
    {
        using var exporter = new PrometheusExporter(OptionsFor("Test.Wanted." + Guid.NewGuid().ToString("N")));
        using var meter = new Meter("Test.Unwanted." + Guid.NewGuid().ToString("N"));
        meter.CreateCounter<long>("test.noise").Add(1);

        Assert.DoesNotContain("test_noise", exporter.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_ObservableSeriesThatDisappear_AreDropped()
    {
        var name = "Test." + Guid.NewGuid().ToString("N");
        using var exporter = new PrometheusExporter(OptionsFor(name));
        using var meter = new Meter(name);
        var report = true;
        meter.CreateObservableGauge("test.present", () => report ? [new Measurement<int>(1)] : Array.Empty<Measurement<int>>());

        Assert.Contains("test_present 1", exporter.Scrape(), StringComparison.Ordinal);
        report = false;
        Assert.DoesNotContain("test_present 1", exporter.Scrape(), StringComparison.Ordinal);
    }
}
