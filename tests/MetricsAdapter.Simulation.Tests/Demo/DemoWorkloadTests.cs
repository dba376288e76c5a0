using MetricsAdapter.Simulation.Demo;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Simulation.Tests.Demo;

public sealed class DemoWorkloadTests
{
    private static readonly DemoWorkloadOptions Options = new();
    private static readonly DateTimeOffset Start = ManualTimeProvider.DefaultStart;

    private static IEnumerable<DateTimeOffset> Day() =>
        Enumerable.Range(1, (int)(Options.DayLength / Options.PublishInterval)).Select(i => Start + (Options.PublishInterval * i));

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
            var day = Day().Select(at => workload.Read(service, at)).ToList();
            var quiet = day.Where(d => !d.InSurge).Select(d => d.RequestsPerSecond).ToList();

            Assert.InRange(quiet.Min() / quiet.Max(), 0.2, 0.45);
            Assert.InRange(day.Count(d => d.InSurge) / (double)day.Count, 0.2, 0.7);
            Assert.True(day.Max(d => d.RequestsPerSecond) > 1.8 * quiet.Max(), service.Name);
        }
    }

    [Fact]
    public async Task Render_EveryPod_PassesPromtoolCheckMetrics()
    {
        var clock = new ManualTimeProvider();
        var app = new DemoApp(Options, clock);
        clock.Advance(TimeSpan.FromMinutes(2));

        foreach (var pod in app.Pods)
        {
            Assert.True(app.TryRender(pod.Name, out var exposition));
            var (exitCode, output) = await ProcessRunner.RunAsync("promtool", ["check", "metrics"], TimeSpan.FromSeconds(30), exposition);
            Assert.True(exitCode == 0, $"{pod.Name}: {output}");
        }

        Assert.False(app.TryRender("no-such-pod", out _));
    }

    [Fact]
    public void Render_OverTenMinutes_CountersGrowByTheWorkloadsShare()
    {
        var clock = new ManualTimeProvider();
        var app = new DemoApp(Options, clock);
        var checkout = DemoWorkload.Services[0];
        var pod = app.Pods.First(p => p.Service == checkout);
        double expected = 0, previousTotal = 0;
        for (var second = 0; second < 600; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            expected += app.Workload.Read(checkout, clock.GetUtcNow()).RequestsPerSecond / Options.PodsPerService;
            if (second % 30 == 29)
            {
                Assert.True(app.TryRender(pod.Name, out var exposition));
                var total = Sample(exposition, "http_requests_total{code=\"200\",method=\"GET\"}") + Sample(exposition, "http_requests_total{code=\"500\",method=\"GET\"}");
                Assert.True(total >= previousTotal, "a counter went backwards");
                Assert.Equal(total, Sample(exposition, "http_request_duration_seconds_count"));
                Assert.Equal(total, Sample(exposition, "http_request_duration_seconds_bucket{le=\"+Inf\"}"));
                previousTotal = total;
            }
        }

        // Each pod's share carries ±5 % noise around an even split.
        Assert.InRange(previousTotal / expected, 0.93, 1.07);
    }

    [Fact]
    public void Render_LatencyRisesWithLoad()
    {
        var clock = new ManualTimeProvider();
        var app = new DemoApp(Options, clock);
        var checkout = DemoWorkload.Services[0];
        var pod = app.Pods.First(p => p.Service == checkout).Name;
        var points = new List<(double Load, double MeanLatency)>();
        app.TryRender(pod, out var before);
        foreach (var _ in Day())
        {
            clock.Advance(Options.PublishInterval);
            app.TryRender(pod, out var after);
            var requests = Sample(after, "http_request_duration_seconds_count") - Sample(before, "http_request_duration_seconds_count");
            var seconds = Sample(after, "http_request_duration_seconds_sum") - Sample(before, "http_request_duration_seconds_sum");
            if (requests > 0)
            {
                points.Add((app.Workload.Read(checkout, clock.GetUtcNow()).RequestsPerSecond, seconds / requests));
            }

            before = after;
        }

        var ordered = points.OrderBy(p => p.Load).ToList();
        var lowLoad = ordered.Take(ordered.Count / 5).Average(p => p.MeanLatency);
        var highLoad = ordered.Skip(ordered.Count * 4 / 5).Average(p => p.MeanLatency);
        Assert.True(highLoad > 3 * lowLoad, $"mean latency {lowLoad:0.000}s at low load, {highLoad:0.000}s at high load");
    }

    /// <summary>The value of the sample written exactly as <paramref name="series"/>.</summary>
    private static double Sample(string exposition, string series)
    {
        var line = exposition.Split('\n').Single(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
