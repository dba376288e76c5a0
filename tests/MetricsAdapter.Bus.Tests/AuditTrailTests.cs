using System.Text;
using Confluent.Kafka;
using MetricsAdapter.Bus.Spool;
using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Core.Quantities;
using MetricsAdapter.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetricsAdapter.Bus.Tests;

/// <summary>The audit trail against librdkafka's mock cluster: in order, once each, through an outage and a restart.</summary>
public sealed class AuditTrailTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    private static List<Decision> Decisions(int ticks, int firstTick = 0)
    {
        var decisions = new List<Decision>();
        for (var tick = firstTick; tick < firstTick + ticks; tick++)
        {
            foreach (var service in new[] { "checkout", "search", "frontend" })
            {
                decisions.Add(new Decision
                {
                    Key = new MetricKey(ServiceKey.Create("shop", service), MetricNames.PredictedLoad),
                    Tick = Start.AddSeconds(15 * tick),
                    Value = Quantity.FromInt64(tick),
                    Labels = LabelSet.Create(("service", service)),
                    Model = new ModelIdentity("test", "1"),
                    Inputs = new DecisionInputs(),
                    Explanation = "test",
                });
            }
        }

        return decisions;
    }

    private static IReadOnlyList<AuditRecord> ReadTopic(KafkaTestCluster kafka) =>
        AuditTrailReader.Read(kafka.Settings.For("test-reader"), kafka.Options.DecisionsTopic, Start.AddDays(-1), null, TimeSpan.FromSeconds(20), TimeProvider.System, out _);

    /// <summary>Every id once, and per series (key) the ticks in increasing order of offset.</summary>
    private static void AssertExactlyOnceInOrder(IReadOnlyList<AuditRecord> records, IReadOnlyList<Decision> decisions)
    {
        Assert.Equal(decisions.Select(d => d.Id).Order(StringComparer.Ordinal), records.Select(r => r.Event.Id).Order(StringComparer.Ordinal));
        foreach (var series in records.GroupBy(r => r.Event.Subject + "/" + r.Event.Data.Metric))
        {
            var times = series.OrderBy(r => r.Partition).ThenBy(r => r.Offset).Select(r => r.Event.Time).ToList();
            Assert.Equal(times.Order(), times);
            Assert.Single(series.Select(r => r.Partition).Distinct());
        }
    }

    [Fact]
    public async Task Shipper_SpooledDecisions_ReachTheTopicOnceEachInOrderPerSeries()
    {
        using var kafka = new KafkaTestCluster();
        using var directory = new TemporaryDirectory();
        using var trail = new AuditTrail(kafka, directory.Path);
        var (spool, shipper, sink) = (trail.Spool, trail.Shipper, trail.Sink);
        var decisions = Decisions(40);

        await shipper.StartAsync(CancellationToken.None);
        foreach (var batch in decisions.Chunk(3))
        {
            Assert.Equal(3, await sink.RecordAsync(batch, CancellationToken.None));
        }

        await Eventually.WaitAsync(() => spool.Acknowledged == decisions.Count, TimeSpan.FromSeconds(30), "the spool to be shipped");
        await shipper.StopAsync(CancellationToken.None);

        var records = ReadTopic(kafka);
        AssertExactlyOnceInOrder(records, decisions);
        Assert.All(records, r => Assert.Equal("/metrics-adapter/test/bus", r.Event.Source));
    }

    [Fact]
    public async Task Shipper_BrokerDownForAWhile_KeepsRecordingThenShipsEverythingInOrder()
    {
        using var kafka = new KafkaTestCluster();
        using var directory = new TemporaryDirectory();
        using var trail = new AuditTrail(kafka, directory.Path);
        var (spool, shipper, sink) = (trail.Spool, trail.Shipper, trail.Sink);
        var before = Decisions(5);
        var during = Decisions(20, firstTick: 5);
        var after = Decisions(5, firstTick: 25);
        await shipper.StartAsync(CancellationToken.None);
        await sink.RecordAsync(before, CancellationToken.None);
        await Eventually.WaitAsync(() => spool.Acknowledged == before.Count, TimeSpan.FromSeconds(30), "the first decisions to be shipped");

        kafka.Cluster.SetBrokerDown(1);
        foreach (var batch in during.Chunk(6))
        {
            Assert.Equal(batch.Length, await sink.RecordAsync(batch, CancellationToken.None));
            await Task.Delay(500);
        }

        Assert.Equal(before.Count, spool.Acknowledged);
        Assert.Equal(during.Count, spool.Depth);
        kafka.Cluster.SetBrokerUp(1);
        await sink.RecordAsync(after, CancellationToken.None);
        await Eventually.WaitAsync(() => spool.Depth == 0, TimeSpan.FromSeconds(60), "the spool to drain after the outage");
        await shipper.StopAsync(CancellationToken.None);

        AssertExactlyOnceInOrder(ReadTopic(kafka), [.. before, .. during, .. after]);
    }

    [Fact]
    public async Task Shipper_AfterARestartWithRecordsInDoubt_DoesNotSendThemAgain()
    {
        using var kafka = new KafkaTestCluster();
        using var directory = new TemporaryDirectory();
        var decisions = Decisions(10);
        using (var first = new DecisionSpool(directory.Path, 1 << 24, 1 << 20, NullLogger.Instance))
        {
            var records = decisions.Select(d => new SpoolRecord(d.Tick, Encoding.UTF8.GetBytes(d.Key.ToString()), DecisionEvents.Serialize(d, "/metrics-adapter/test/bus"))).ToList();
            first.Append(records);

            // A previous process handed 20 records to its producer and 20 reached Kafka, but it stopped before any confirmation was saved.
            first.HandOff(20);
            using var producer = new ProducerBuilder<byte[], byte[]>(kafka.Settings.For("previous-process", ("partitioner", "murmur2_random"))).Build();
            foreach (var record in records.Take(20))
            {
                await producer.ProduceAsync(kafka.Options.DecisionsTopic, new Message<byte[], byte[]> { Key = record.Key, Value = record.Value });
            }
        }

        using var trail = new AuditTrail(kafka, directory.Path);
        var (spool, shipper) = (trail.Spool, trail.Shipper);
        using var recorder = new MeasurementRecorder(kafka.Meters);
        await shipper.StartAsync(CancellationToken.None);
        await Eventually.WaitAsync(() => spool.Depth == 0, TimeSpan.FromSeconds(30), "the spool to drain");
        await shipper.StopAsync(CancellationToken.None);

        AssertExactlyOnceInOrder(ReadTopic(kafka), decisions);
        Assert.Equal(20, recorder.Total("metrics_adapter.audit.already_shipped"));
        Assert.Equal(10, recorder.Total("metrics_adapter.audit.shipped"));
    }

    /// <summary>A spool in a directory, its shipper to the test cluster, and the sink in front of them.</summary>
    private sealed class AuditTrail : IDisposable
    {
        private readonly BusTelemetry _telemetry;

        public AuditTrail(KafkaTestCluster kafka, string directory)
        {
            _telemetry = kafka.Telemetry();
            Spool = new DecisionSpool(directory, 1 << 24, 1 << 20, NullLogger.Instance);
            Shipper = new KafkaDecisionShipper(Spool, kafka.Settings, KafkaTestCluster.Audit(directory), TimeProvider.System, _telemetry, kafka.Connectivity, NullLogger<KafkaDecisionShipper>.Instance);
            Sink = new SpooledAuditSink(Spool, Shipper, KafkaTestCluster.Audit(directory), TimeProvider.System, NullLogger<SpooledAuditSink>.Instance);
        }

        public DecisionSpool Spool { get; }

        public KafkaDecisionShipper Shipper { get; }

        public SpooledAuditSink Sink { get; }

        public void Dispose()
        {
            Shipper.Dispose();
            Spool.Dispose();
            _telemetry.Dispose();
        }
    }
}
