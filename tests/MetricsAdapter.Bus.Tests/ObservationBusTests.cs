using System.Collections.Concurrent;
using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetricsAdapter.Bus.Tests;

public sealed class ObservationBusTests
{
    [Fact]
    public async Task PublisherToSource_ObservationsArriveKeyedAndInOrderPerService()
    {
        using var kafka = new KafkaTestCluster();
        using var telemetry = kafka.Telemetry();
        var source = new KafkaObservationSource(kafka.Settings, TimeProvider.System, telemetry, kafka.Connectivity, NullLogger<KafkaObservationSource>.Instance);
        var sink = new CollectingSink();
        using var stop = new CancellationTokenSource();
        var consuming = Task.Run(() => source.RunAsync(sink, stop.Token));

        // The group join takes a few seconds on the mock cluster: publish until the first record arrives, then the real batch.
        using var publisher = new BufferedObservationPublisher(kafka.Settings.For("observation-bus-test"), kafka.Options.ObservationsTopic, capacity: 1_000, maxInFlight: 32,
            TimeSpan.FromSeconds(30), TimeProvider.System, telemetry, kafka.Connectivity, NullLogger<BufferedObservationPublisher>.Instance);
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(30);
        while (sink.Records.IsEmpty && TimeProvider.System.GetUtcNow() < deadline)
        {
            publisher.TryPublish(Observation("warmup", "p", 0));
            await Task.Delay(250);
        }

        foreach (var sequence in Enumerable.Range(1, 50))
        {
            foreach (var service in new[] { "checkout", "search" })
            {
                Assert.True(publisher.TryPublish(Observation(service, service + "-pod", sequence)));
            }
        }

        while (sink.Records.Count(r => r.Service != "warmup") < 100 && TimeProvider.System.GetUtcNow() < deadline)
        {
            await Task.Delay(100);
        }

        await stop.CancelAsync();
        await consuming;
        var received = sink.Records.Where(r => r.Service != "warmup").ToList();
        Assert.Equal(100, received.Count);
        Assert.All(received, r => Assert.Equal("shop/" + r.Service, r.Key));
        foreach (var service in received.GroupBy(r => r.Service))
        {
            Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), service.Select(r => r.Sequence));
        }
    }

    private static Observation Observation(string service, string pod, long sequence) => new()
    {
        Service = ServiceKey.Create("shop", service),
        Pod = pod,
        Start = TimeProvider.System.GetUtcNow().AddSeconds(-5),
        End = TimeProvider.System.GetUtcNow(),
        Requests = 10,
        Sequence = sequence,
    };

    private sealed class CollectingSink : IObservationSink
    {
        private readonly ObservationReader _reader = new();

        public ConcurrentQueue<(string Key, string Service, long Sequence)> Records { get; } = new();

        public void Accept(in ObservationRecord record)
        {
            Assert.Equal(ObservationRejection.None, _reader.TryRead(record.Value.Span, out var observation, out _));
            Assert.NotNull(record.Published);
            Records.Enqueue((System.Text.Encoding.UTF8.GetString(record.Key.Span), observation!.Service.Service, observation.Sequence));
        }
    }
}
