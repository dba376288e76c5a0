using MetricsAdapter.Core.Labels;
using MetricsAdapter.ExternalMetrics;
using MetricsAdapter.ExternalMetrics.Store;
using MetricsAdapter.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetricsAdapter.Demo.Tests;

public sealed class DemoWorkloadTests
{
    private static readonly DemoWorkloadOptions Options = new();
    private static readonly DateTimeOffset Start = ManualTimeProvider.DefaultStart;

    private static IEnumerable<(DateTimeOffset At, DemoReading Reading)> Day(DemoWorkload workload, DemoService service) =>
        Enumerable.Range(0, (int)(Options.DayLength / TimeSpan.FromSeconds(5)))
            .Select(i => Start + TimeSpan.FromSeconds(5 * i))
            .Select(at => (at, workload.Read(service, at)));

    [Fact]
    public void Read_SameSeedSameInstant_IsDeterministic()
    {
        var first = new DemoWorkload(Options);
        var second = new DemoWorkload(Options);

        Assert.All(DemoWorkload.Services, service =>
            Assert.Equal(first.Read(service, Start.AddMinutes(17)), second.Read(service, Start.AddMinutes(17))));
        Assert.NotEqual(first.Read(DemoWorkload.Services[0], Start), new DemoWorkload(Options with { Seed = 2 }).Read(DemoWorkload.Services[0], Start));
    }

    [Fact]
    public void Read_OverOneDay_HasADiurnalSwingAndSurges()
    {
        var workload = new DemoWorkload(Options);
        foreach (var service in DemoWorkload.Services)
        {
            var day = Day(workload, service).ToList();
            var quiet = day.Where(d => !d.Reading.InSurge).Select(d => d.Reading.RequestsPerSecond).ToList();

            Assert.InRange(quiet.Min() / quiet.Max(), 0.2, 0.45);
            Assert.InRange(day.Count(d => d.Reading.InSurge) / (double)day.Count, 0.2, 0.7);
            Assert.True(day.Max(d => d.Reading.RequestsPerSecond) > 1.8 * quiet.Max(), service.Name);
        }
    }

    [Fact]
    public void Read_PredictionLeadsTheSurge_AndAnomalyRisesAtItsOnset()
    {
        var workload = new DemoWorkload(Options);
        var service = DemoWorkload.Services[0];
        var day = Day(workload, service).ToList();
        var onset = day.Select((d, i) => (d, i)).First(x => x.i > 0 && x.d.Reading.InSurge && !day[x.i - 1].Reading.InSurge).i;
        var beforeOnset = day[onset - (int)(Options.Horizon / TimeSpan.FromSeconds(5)) + 1];

        Assert.False(beforeOnset.Reading.InSurge);
        Assert.True(beforeOnset.Reading.PredictedRequestsPerSecond > 1.5 * beforeOnset.Reading.RequestsPerSecond);
        Assert.True(day[onset + 6].Reading.LatencyAnomalyScore > 0.8);
        Assert.True(beforeOnset.Reading.LatencyAnomalyScore < 0.1);
        Assert.All(day, d => Assert.InRange(d.Reading.LatencyAnomalyScore, 0, 1));
    }

    [Fact]
    public async Task Feeder_PublishOnce_WritesBothMetricsForEveryService()
    {
        var clock = new ManualTimeProvider();
        var store = new InMemorySeriesStore(ServedMetrics.All, new SeriesStoreOptions(), clock);
        var feeder = new DemoFeeder(store, Microsoft.Extensions.Options.Options.Create(Options), clock, NullLogger<DemoFeeder>.Instance);

        feeder.PublishOnce(clock.GetUtcNow());

        foreach (var metric in new[] { ServedMetrics.PredictedLoadName, ServedMetrics.LatencyAnomalyScoreName })
        {
            var result = await store.GetExternalMetricAsync("demo", LabelSelector.Everything, metric, CancellationToken.None);
            Assert.Equal(["checkout", "frontend", "search"], result.Items.Select(i => i.Labels["service"]));
            Assert.All(result.Items, i => Assert.Equal(Options.PublishInterval, i.Window));
        }
    }
}
