using MetricsAdapter.Core.Observations;
using static MetricsAdapter.Decisions.Tests.DecisionHarness;

namespace MetricsAdapter.Decisions.Tests;

/// <summary>Per service: rates summed over live pods, histograms merged (never percentiles averaged).</summary>
public sealed class AggregationTests
{
    [Fact]
    public void Tick_RatesOfPods_AreSummed()
    {
        using var harness = new DecisionHarness();

        var load = Load(harness.RunTick(new Dictionary<string, double> { ["a"] = 12.5, ["b"] = 7.5, ["c"] = 30 }));

        Assert.Equal(50, load.Inputs.ObservedRequestsPerSecond);
        Assert.Equal(3, load.Inputs.PodsReporting);
    }

    [Fact]
    public void Merge_SameLayout_AddsBucketByBucket()
    {
        var merged = new LatencyAccumulator();
        merged.Add(Latency(90, 1));
        merged.Add(Latency(10, 4));

        Assert.Equal(100, merged.Count);
        Assert.Equal(0.05, merged.Quantile(0.9), 6);
        Assert.InRange(merged.Quantile(0.95), 0.5, 1.0);
    }

    [Fact]
    public void Merge_DifferentLayouts_KeepsOnlyCommonBounds()
    {
        var merged = new LatencyAccumulator();
        merged.Add(new LatencyHistogram([0.1, 0.2, 0.5, double.PositiveInfinity], [10, 20, 30, 40], 8, 40));
        merged.Add(new LatencyHistogram([0.1, 0.3, 0.5, 1, double.PositiveInfinity], [5, 6, 7, 8, 10], 3, 10));

        var summary = merged.Summarise()!;
        Assert.Equal(50, summary.Requests);

        // Common bounds 0.1, 0.5, +Inf with 15, 37, 50 at or below them: the median falls in (0.1, 0.5].
        Assert.Equal(0.1 + (0.4 * (25 - 15) / 22.0), merged.Quantile(0.5), 9);
        Assert.Equal(0.5, merged.Quantile(0.99), 9);
    }

    [Fact]
    public void Quantile_AgainstAKnownDistribution_IsWithinItsBucket()
    {
        // Latencies uniform on (0, 1]: cumulative counts at bounds are exact, interpolation recovers quantiles.
        double[] bounds = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, double.PositiveInfinity];
        var merged = new LatencyAccumulator();
        merged.Add(new LatencyHistogram(bounds, bounds.Select(b => double.IsPositiveInfinity(b) ? 1000 : Math.Round(b * 1000)).ToArray(), 500, 1000));

        Assert.Equal(0.95, merged.Quantile(0.95), 9);
        Assert.Equal(0.5, merged.Quantile(0.5), 9);
        Assert.True(double.IsNaN(new LatencyAccumulator().Quantile(0.5)));
    }

    [Fact]
    public void Tick_PodsWithDifferentLayouts_ServiceLatencyComesFromTheMergedHistogram()
    {
        using var harness = new DecisionHarness();
        harness.Clock.Advance(TimeSpan.FromSeconds(5));
        harness.Report("a", 10, new LatencyHistogram([0.1, 0.5, double.PositiveInfinity], [40, 50, 50], 5, 50));
        harness.Report("b", 10, new LatencyHistogram([0.1, 0.25, 0.5, double.PositiveInfinity], [0, 0, 50, 50], 20, 50));

        harness.Clock.Advance(TimeSpan.FromSeconds(10));
        var latency = Load(harness.Decide()).Inputs.Latency!;

        Assert.Equal(100, latency.Requests);
        Assert.Equal(0.1 + (0.4 * (50 - 40) / 60.0), latency.P50Seconds, 9);
    }
}
