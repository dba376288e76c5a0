using MetricsAdapter.Core.Observations;
using MetricsAdapter.Simulation.Demo;
using MetricsAdapter.Testing;
using Microsoft.Extensions.Logging.Abstractions;

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
    public void Scrape_EveryObservation_IsValidObservationV1OnTheWire()
    {
        var cluster = new DemoCluster(Options);
        var reader = new ObservationReader();

        foreach (var end in Day().Take(200))
        {
            foreach (var observation in cluster.Scrape(end))
            {
                var rejection = reader.TryRead(ObservationJson.Serialize(observation), out var read, out var detail);

                Assert.True(rejection == ObservationRejection.None, detail);
                Assert.Equal(observation.Requests, read!.Requests);
                Assert.Equal(observation.Latency!.Count, observation.Requests);
                Assert.Equal(end - Options.PublishInterval, read.Start);
            }
        }
    }

    [Fact]
    public void Scrape_PodsReportInSequence_AndTheLastPodGoesSilentForAMinuteOrSo()
    {
        var cluster = new DemoCluster(Options);
        var sequences = new Dictionary<string, long>(StringComparer.Ordinal);
        var silentIntervals = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var end in Day())
        {
            var observations = cluster.Scrape(end);
            foreach (var service in DemoWorkload.Services)
            {
                var pods = observations.Where(o => o.Service.Service == service.Name).Select(o => o.Pod).ToList();
                Assert.InRange(pods.Count, Options.PodsPerService - 1, Options.PodsPerService);
                if (pods.Count < Options.PodsPerService)
                {
                    Assert.DoesNotContain($"{service.Name}-demo-{Options.PodsPerService - 1}", pods);
                    silentIntervals[service.Name] = silentIntervals.GetValueOrDefault(service.Name) + 1;
                }
            }

            foreach (var observation in observations)
            {
                if (sequences.TryGetValue(observation.Pod, out var previous))
                {
                    Assert.True(observation.Sequence > previous);
                }
                else
                {
                    Assert.Contains(ObservationFlags.FirstInterval, observation.Flags);
                }

                sequences[observation.Pod] = observation.Sequence;
            }
        }

        // An hour holds three or four 17-minute slots, each with 60–90 s of silence.
        Assert.All(DemoWorkload.Services, service =>
            Assert.InRange(silentIntervals.GetValueOrDefault(service.Name) * Options.PublishInterval.TotalSeconds, 3 * 60, 4 * 90 + 5));
    }

    [Fact]
    public void Scrape_LatencyRisesWithLoad()
    {
        var cluster = new DemoCluster(Options);
        var checkout = DemoWorkload.Services[0];
        var points = Day()
            .Select(end => (Load: cluster.Workload.Read(checkout, end).RequestsPerSecond, Observation: cluster.Scrape(end).First(o => o.Service.Service == checkout.Name)))
            .Select(p => (p.Load, Mean: p.Observation.Latency!.Sum / p.Observation.Latency.Count))
            .OrderBy(p => p.Load)
            .ToList();

        var lowLoad = points.Take(points.Count / 5).Average(p => p.Mean);
        var highLoad = points.Skip(points.Count * 4 / 5).Average(p => p.Mean);
        Assert.True(highLoad > 3 * lowLoad, $"mean latency {lowLoad:0.000}s at low load, {highLoad:0.000}s at high load");
    }

    [Fact]
    public void Feeder_PublishOnce_PublishesEveryReportingPod()
    {
        var publisher = new RecordingPublisher();
        var feeder = new DemoObservationFeeder(publisher, Microsoft.Extensions.Options.Options.Create(Options), new ManualTimeProvider(), NullLogger<DemoObservationFeeder>.Instance);

        var published = feeder.PublishOnce(Start + Options.PublishInterval);

        Assert.Equal(publisher.Observations.Count, published);
        Assert.Equal(["checkout", "frontend", "search"], publisher.Observations.Select(o => o.Service.Service).Distinct());
        Assert.All(publisher.Observations, o => Assert.Equal("demo", o.Service.Namespace));
    }

    private sealed class RecordingPublisher : IObservationPublisher
    {
        public List<Observation> Observations { get; } = [];

        public bool TryPublish(Observation observation)
        {
            Observations.Add(observation);
            return true;
        }
    }
}
