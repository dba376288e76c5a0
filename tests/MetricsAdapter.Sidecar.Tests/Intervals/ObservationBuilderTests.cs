using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Prediction.State;
using MetricsAdapter.Sidecar.Intervals;
using MetricsAdapter.Sidecar.Scraping;

namespace MetricsAdapter.Sidecar.Tests.Intervals;

public sealed class ObservationBuilderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 0, 14, 37, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly ServiceKey Service = ServiceKey.Create("shop", "checkout");

    private static readonly SidecarOptions Options = new()
    {
        Namespace = "shop",
        Service = "checkout",
        Pod = "checkout-7d9f8c6b5-x2x4q",
        Node = "node-a",
        ScrapeInterval = Interval,
    };

    private static ScrapeResult First => Conventions.Result(Captures.Bytes(Captures.PrometheusText), Conventions.Prometheus);

    private static ScrapeResult Later => Conventions.Result(Captures.Bytes(Captures.PrometheusTextLater), Conventions.Prometheus);

    [Fact]
    public void Next_AfterAnOutageLongerThanAnObservationMaySpan_TakesAFreshBaseline()
    {
        var builder = new ObservationBuilder(Options, Service, new FakeDetector());
        builder.Next(First, T0);
        builder.Next(Conventions.Failed(), T0 + Interval);

        var afterOutage = builder.Next(Later, T0 + ObservationBuilder.MaxBaselineAge + Interval);
        var next = builder.Next(Later, T0 + ObservationBuilder.MaxBaselineAge + (Interval * 2));

        Assert.Null(afterOutage);
        Assert.NotNull(next);
        Assert.Equal(T0 + ObservationBuilder.MaxBaselineAge + Interval, next.Start);
        Assert.Equal(0, next.Requests);
    }

    [Fact]
    public void Next_EveryObservation_CarriesThisRunsInstance_AndAnotherRunHasAnother()
    {
        var builder = new ObservationBuilder(Options, Service, new FakeDetector());
        builder.Next(First, T0);
        var first = builder.Next(Later, T0 + Interval)!;
        var second = builder.Next(Conventions.Failed(), T0 + (Interval * 2))!;

        Assert.Matches("^[0-9a-f]{12}$", first.Instance);
        Assert.Equal(first.Instance, second.Instance);
        Assert.NotEqual(first.Instance, new ObservationBuilder(Options, Service, new FakeDetector()).Instance);
    }

    [Fact]
    public void Next_FirstSuccessfulScrape_IsOnlyTheBaseline()
    {
        var builder = new ObservationBuilder(Options, Service, new FakeDetector());

        Assert.Null(builder.Next(First, T0));
        Assert.Equal("prometheus", builder.Convention?.Name);
    }

    [Fact]
    public void Next_SecondSuccessfulScrape_FirstObservationCountsTheInterval()
    {
        var builder = new ObservationBuilder(Options, Service, new FakeDetector());
        builder.Next(First, T0);

        var observation = builder.Next(Later, T0 + Interval);

        Assert.NotNull(observation);
        Assert.Equal(0, observation.Sequence);
        Assert.Equal([ObservationFlags.FirstInterval], observation.Flags);
        Assert.Equal(T0, observation.Start);
        Assert.Equal(T0 + Interval, observation.End);
        Assert.Equal(24, observation.Requests);
        Assert.Equal(0, observation.Errors);
        Assert.Equal(Service, observation.Service);
        Assert.Equal("checkout-7d9f8c6b5-x2x4q", observation.Pod);
        Assert.Equal("node-a", observation.Node);
        Assert.Equal(Core.BuildVersion.Semantic, observation.Sidecar);
        Assert.NotNull(observation.Latency);
    }

    [Fact]
    public void Next_LaterScrapes_SequenceRisesByOneAndEachStartsWhereThePreviousEnded()
    {
        var builder = new ObservationBuilder(Options, Service, new FakeDetector());
        builder.Next(First, T0);

        var observations = Enumerable.Range(1, 4)
            .Select(i => builder.Next(Later, T0 + (Interval * i))!)
            .ToList();

        Assert.Equal([0L, 1, 2, 3], observations.Select(o => o.Sequence));
        for (var i = 1; i < observations.Count; i++)
        {
            Assert.Equal(observations[i - 1].End, observations[i].Start);
            Assert.Empty(observations[i].Flags);
            Assert.Equal(0, observations[i].Requests);
        }
    }

    [Fact]
    public void Next_FailedScrape_FlaggedWithNothingCounted()
    {
        var builder = new ObservationBuilder(Options, Service, new FakeDetector());
        builder.Next(First, T0);
        var first = builder.Next(Later, T0 + Interval)!;

        var failed = builder.Next(Conventions.Failed(), T0 + (Interval * 2));

        Assert.NotNull(failed);
        Assert.Equal(first.Sequence + 1, failed.Sequence);
        Assert.Equal([ObservationFlags.ScrapeFailed], failed.Flags);
        Assert.Equal(0, failed.Requests);
        Assert.Equal(0, failed.Errors);
        Assert.Null(failed.Latency);
        Assert.Equal(first.End, failed.Start);
        Assert.Equal(T0 + (Interval * 2), failed.End);
    }

    [Fact]
    public void Next_FailedFirstScrape_IsSequenceZeroWithFirstIntervalAndAnIntervalBeforeIt()
    {
        var builder = new ObservationBuilder(Options, Service, new FakeDetector());

        var failed = builder.Next(Conventions.Failed(), T0);

        Assert.NotNull(failed);
        Assert.Equal(0, failed.Sequence);
        Assert.Equal([ObservationFlags.FirstInterval, ObservationFlags.ScrapeFailed], failed.Flags);
        Assert.Equal(T0 - Interval, failed.Start);
        Assert.Equal(T0, failed.End);
    }

    [Fact]
    public void Next_SuccessAfterAFailure_StartsAtTheEndOfThePreviousSuccessfulScrape()
    {
        var builder = new ObservationBuilder(Options, Service, new FakeDetector());
        builder.Next(First, T0);
        var failed = builder.Next(Conventions.Failed(), T0 + Interval)!;

        var observation = builder.Next(Later, T0 + (Interval * 2));

        Assert.NotNull(observation);
        Assert.Equal(failed.Sequence + 1, observation.Sequence);
        Assert.Equal(T0, observation.Start);
        Assert.Equal(24, observation.Requests);
        Assert.Empty(observation.Flags);
    }

    [Fact]
    public void Next_ScrapeWithNoneOfTheMetrics_FlaggedNoKnownMetricsAndTheBaselineIsTakenAgain()
    {
        var builder = new ObservationBuilder(Options, Service, new FakeDetector());
        builder.Next(First, T0);

        var empty = builder.Next(Conventions.Result(Captures.Bytes(Captures.NodeExporterText), Conventions.Prometheus), T0 + Interval);
        var baseline = builder.Next(First, T0 + (Interval * 2));
        var next = builder.Next(Later, T0 + (Interval * 3));

        Assert.NotNull(empty);
        Assert.Equal([ObservationFlags.FirstInterval, ObservationFlags.ScrapeFailed, ObservationBuilder.NoKnownMetrics], empty.Flags);
        Assert.Equal(0, empty.Requests);
        Assert.Null(baseline);
        Assert.NotNull(next);
        Assert.Equal(1, next.Sequence);
        Assert.Equal(T0 + (Interval * 2), next.Start);
        Assert.Equal(24, next.Requests);
    }

    [Fact]
    public void Next_Stopping_AddsPodStopping()
    {
        var builder = new ObservationBuilder(Options, Service, new FakeDetector());
        builder.Next(First, T0);

        var observation = builder.Next(Later, T0 + Interval, stopping: true);

        Assert.Equal([ObservationFlags.FirstInterval, ObservationFlags.PodStopping], observation!.Flags);
        Assert.Equal(24, observation.Requests);
    }

    [Fact]
    public void Next_StoppingOnAFailedScrape_FlagsBoth()
    {
        var builder = new ObservationBuilder(Options, Service, new FakeDetector());
        builder.Next(First, T0);
        builder.Next(Later, T0 + Interval);

        var observation = builder.Next(Conventions.Failed(), T0 + (Interval * 2), stopping: true);

        Assert.Equal([ObservationFlags.ScrapeFailed, ObservationFlags.PodStopping], observation!.Flags);
    }

    [Fact]
    public void Next_StoppingWhileOnlyABaselineIsTaken_StillSaysTheLastWordOncePublished()
    {
        var builder = new ObservationBuilder(Options, Service, new FakeDetector());
        builder.Next(Conventions.Failed(), T0);

        var observation = builder.Next(First, T0 + Interval, stopping: true);

        Assert.NotNull(observation);
        Assert.Equal(1, observation.Sequence);
        Assert.Equal([ObservationFlags.ScrapeFailed, ObservationFlags.PodStopping], observation.Flags);
        Assert.Equal(T0, observation.Start);
    }

    [Fact]
    public void Next_EndWithAnOffset_AllTimesAreUtc()
    {
        var builder = new ObservationBuilder(Options, Service, new FakeDetector());
        var plusTwo = TimeSpan.FromHours(2);
        builder.Next(First, T0.ToOffset(plusTwo));

        var observation = builder.Next(Later, (T0 + Interval).ToOffset(plusTwo))!;
        var failed = builder.Next(Conventions.Failed(), (T0 + (Interval * 2)).ToOffset(plusTwo))!;

        Assert.Equal(TimeSpan.Zero, observation.Start.Offset);
        Assert.Equal(TimeSpan.Zero, observation.End.Offset);
        Assert.Equal(TimeSpan.Zero, failed.Start.Offset);
        Assert.Equal(TimeSpan.Zero, failed.End.Offset);
        Assert.Equal(T0.UtcTicks, observation.Start.UtcTicks);
        Assert.Equal((T0 + Interval).UtcTicks, observation.End.UtcTicks);
    }

    [Fact]
    public void Next_CounterReset_FlaggedAndCounted()
    {
        var builder = new ObservationBuilder(Options, Service, new FakeDetector());
        builder.Next(Later, T0);

        var observation = builder.Next(First, T0 + Interval)!;

        Assert.Contains(ObservationFlags.CounterReset, observation.Flags);
        Assert.Equal(1, builder.CounterResets);

        // Each series that went down counts its new value (/-/ready 4, /api/v1/labels 3, /api/v1/query 3 + 3, /metrics 10);
        // the six that stayed the same count nothing.
        Assert.Equal(4 + 3 + 3 + 3 + 10, observation.Requests);
    }

    [Fact]
    public void Next_ClippedInterval_FlaggedOutliersClipped()
    {
        var builder = new ObservationBuilder(Options with { MaxRequestsPerSecond = 1 }, Service, new FakeDetector());
        builder.Next(First, T0);

        var observation = builder.Next(Later, T0 + Interval)!;

        Assert.Equal(10, observation.Requests);
        Assert.Equal([ObservationFlags.FirstInterval, ObservationFlags.OutliersClipped], observation.Flags);
    }

    [Fact]
    public void Next_IntervalWithLatency_DetectorScoresItsP95()
    {
        var detector = new FakeDetector { Scored = 3 };
        var builder = new ObservationBuilder(Options, Service, detector);
        builder.Next(Conventions.Result("http_request_duration_seconds_bucket{le=\"0.1\"} 0\nhttp_request_duration_seconds_bucket{le=\"1\"} 0\nhttp_request_duration_seconds_count 0\n"), T0);

        var observation = builder.Next(Conventions.Result("http_request_duration_seconds_bucket{le=\"0.1\"} 0\nhttp_request_duration_seconds_bucket{le=\"1\"} 10\nhttp_request_duration_seconds_sum 5\nhttp_request_duration_seconds_count 10\n"), T0 + Interval)!;

        // p95 of 10 requests in (0.1, 1]: 0.1 + 0.9 × 9.5 / 10.
        Assert.Equal(0.955, Assert.Single(detector.Values), 12);
        Assert.Equal(1, observation.PodAnomalyScore);
        Assert.Equal(1, builder.Score);
        Assert.Equal(10, observation.Requests);
    }

    [Fact]
    public void Next_IntervalWithoutRequests_DetectorIsNotAsked()
    {
        var detector = new FakeDetector { Scored = 0.5 };
        var builder = new ObservationBuilder(Options, Service, detector);
        builder.Next(First, T0);
        builder.Next(Later, T0 + Interval);

        var quiet = builder.Next(Later, T0 + (Interval * 2))!;

        Assert.Single(detector.Values);
        Assert.Equal(0.5, quiet.PodAnomalyScore);
    }

    [Fact]
    public void Next_ConventionChanged_TakesANewBaseline()
    {
        var builder = new ObservationBuilder(Options, Service, new FakeDetector());
        builder.Next(Conventions.Result("http_requests_total 10\n"), T0);

        var switched = builder.Next(Conventions.Result("http_requests_received_total 50\n"), T0 + Interval);
        var next = builder.Next(Conventions.Result("http_requests_received_total 55\n"), T0 + (Interval * 2));

        Assert.Null(switched);
        Assert.Equal("prometheus-net", builder.Convention?.Name);
        Assert.Equal(5, next!.Requests);
        Assert.Equal(T0 + Interval, next.Start);
    }

    private sealed class FakeDetector : IAnomalyDetector
    {
        public double Scored { get; init; }

        public List<double> Values { get; } = [];

        public string Name => "fake";

        public long Observations => Values.Count;

        public bool IsWarm => true;

        public string StateKey => Name;

        public double Score(double value) => Scored;

        public void Learn(double value) => Values.Add(value);

        public double ScoreAndLearn(double value)
        {
            Learn(value);
            return Scored;
        }

        public void WriteState(StateWriter writer) => throw new NotSupportedException();

        public void ReadState(StateReader reader) => throw new NotSupportedException();
    }
}
