using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Series;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetricsAdapter.Decisions.Tests;

/// <summary>Decide → record → serve: nothing is served that the audit trail did not record first.</summary>
public sealed class DecisionLoopTests
{
    [Theory]
    [InlineData(int.MaxValue, 6)]
    [InlineData(3, 3)]
    [InlineData(0, 0)]
    public async Task Decide_ServesExactlyWhatTheAuditSinkRecorded_InOrder(int room, int served)
    {
        using var harness = new DecisionHarness();
        foreach (var service in new[] { "one", "two", "three" })
        {
            harness.Clock.Advance(TimeSpan.FromSeconds(1));
            harness.Report($"{service}-pod", 10, service: Core.Pipeline.ServiceKey.Create("shop", service));
        }

        var audit = new BoundedAuditSink(room);
        var writer = new RecordingWriter(audit);
        var loop = new DecisionLoop(harness.Manager, new NoSource(), audit, writer,
            new DecisionSnapshots(Microsoft.Extensions.Options.Options.Create(harness.Options), NullLogger<DecisionSnapshots>.Instance),
            harness.Clock, NullLogger<DecisionLoop>.Instance);

        await loop.DecideAsync(harness.Manager.NextTick(harness.Clock.GetUtcNow()), CancellationToken.None);

        Assert.Equal(served, writer.Written.Count);
        Assert.Equal(audit.Recorded.Take(served).Select(d => (d.Key.Metric, d.Labels)), writer.Written);
        Assert.Equal(6 - served, harness.Recorder.Total("metrics_adapter.decisions.withheld"));
    }

    [Fact]
    public void NextTick_FallsOnTheGrid_AndNeverRepeatsADecidedTick()
    {
        using var harness = new DecisionHarness();
        var now = DecisionHarness.Start + TimeSpan.FromSeconds(7.5);

        Assert.Equal(DecisionHarness.Start + TimeSpan.FromSeconds(15), harness.Manager.NextTick(now));
        Assert.Equal(DecisionHarness.Start + TimeSpan.FromSeconds(30), harness.Manager.NextTick(DecisionHarness.Start + TimeSpan.FromSeconds(15)));
        harness.Manager.Tick(DecisionHarness.Start + TimeSpan.FromMinutes(1));
        Assert.Equal(DecisionHarness.Start + TimeSpan.FromSeconds(75), harness.Manager.NextTick(now));
    }

    private sealed class BoundedAuditSink(int room) : IAuditSink
    {
        public List<Decision> Recorded { get; } = [];

        public ValueTask<int> RecordAsync(IReadOnlyList<Decision> decisions, CancellationToken cancellationToken)
        {
            var taken = Math.Min(room, decisions.Count);
            Recorded.AddRange(decisions.Take(taken));
            return ValueTask.FromResult(taken);
        }
    }

    private sealed class RecordingWriter(BoundedAuditSink audit) : ISeriesWriter
    {
        public List<(string Metric, LabelSet Labels)> Written { get; } = [];

        public SeriesWriteResult Write(SeriesPoint point)
        {
            Assert.Contains(audit.Recorded, d => d.Key.Metric == point.Metric && d.Labels.Equals(point.Labels) && d.Tick == point.Timestamp && d.Value == point.Value);
            Written.Add((point.Metric, point.Labels));
            return SeriesWriteResult.Updated;
        }

        public bool Withdraw(string metric, string namespaceName, LabelSet labels)
        {
            Written.Add((metric, labels));
            return true;
        }
    }

    private sealed class NoSource : IObservationSource
    {
        public string Description => "nothing";

        public Task RunAsync(IObservationSink sink, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
