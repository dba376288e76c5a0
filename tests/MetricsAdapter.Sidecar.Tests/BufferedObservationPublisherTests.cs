using System.Net;
using System.Net.Sockets;
using System.Text;
using Confluent.Kafka;
using MetricsAdapter.Bus;
using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Sidecar.Intervals;
using MetricsAdapter.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetricsAdapter.Sidecar.Tests;

public sealed class BufferedObservationPublisherTests : IDisposable
{
    private const string Topic = "metrics-adapter.observations";
    private const int Partitions = 4;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly ServiceKey Checkout = ServiceKey.Create("shop", "checkout");
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 0, 14, 37, TimeSpan.Zero);

    private readonly TestMeterFactory _meters = new();
    private readonly KafkaConnectivity _connectivity = new(TimeProvider.System);
    private readonly BusTelemetry _telemetry;

    public BufferedObservationPublisherTests() => _telemetry = new BusTelemetry(_meters, _connectivity);

    [Fact]
    public void TryPublish_KafkaUnreachableAndBufferFull_DropsTheOldest()
    {
        using var publisher = Publisher(ClosedPort(), capacity: 5, maxInFlight: 1, deliveryTimeout: TimeSpan.FromSeconds(30));

        var accepted = Enumerable.Range(0, 8).Select(i => publisher.TryPublish(Observation(Checkout, i))).ToList();

        Assert.Equal([true, true, true, true, true, false, false, false], accepted);
        Assert.Equal(5, publisher.Buffered);
        Assert.Equal(3, publisher.Dropped);
        Assert.Equal(0, publisher.Sent);
    }

    [Fact]
    public async Task TryPublish_KafkaUnreachableAndEverythingInFlight_BufferStaysWithinItsCapacity()
    {
        // The capacity bounds the buffer and the records in flight together (Buffered counts both).
        using var publisher = Publisher(ClosedPort(), capacity: 3, maxInFlight: 32, deliveryTimeout: TimeSpan.FromSeconds(30));

        for (var i = 0; i < 6; i++)
        {
            publisher.TryPublish(Observation(Checkout, i));

            // Give the pump the chance to hand each record to librdkafka before the next arrives.
            await Task.Delay(TimeSpan.FromMilliseconds(150));
        }

        Assert.InRange(publisher.Buffered, 0, 3);
        Assert.Equal(3, publisher.Dropped);
    }

    [Fact]
    public async Task TryPublish_KafkaUp_RecordsArriveKeyedByServiceAndInSequenceOrder()
    {
        using var cluster = Cluster();
        using var publisher = Publisher(cluster.BootstrapServers, capacity: 100, maxInFlight: 32, deliveryTimeout: TimeSpan.FromSeconds(10));
        var search = ServiceKey.Create("shop", "search");

        for (var i = 0; i < 20; i++)
        {
            Assert.True(publisher.TryPublish(Observation(Checkout, i)));
            Assert.True(publisher.TryPublish(Observation(search, i)));
        }

        await Eventually.WaitAsync(() => publisher.Sent == 40, Patience, "40 records acknowledged");
        var records = ReadTopic(cluster.BootstrapServers, 40);

        Assert.Equal(0, publisher.Buffered);
        Assert.Equal(0, publisher.Dropped);
        Assert.NotNull(publisher.LastSent);
        Assert.Equal(40, records.Count);
        foreach (var service in records.GroupBy(r => r.Key))
        {
            Assert.Single(service.Select(r => r.Partition).Distinct());
            var observations = service.Select(r => Read(r.Value)).ToList();
            Assert.All(observations, o => Assert.Equal(service.Key, o.Service.ToString()));
            Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), observations.Select(o => o.Sequence));
        }

        Assert.Equal(["shop/checkout", "shop/search"], records.Select(r => r.Key).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TryPublish_KafkaDownThenBackUp_EveryRecordArrivesInOrder()
    {
        using var cluster = Cluster();
        using var publisher = Publisher(cluster.BootstrapServers, capacity: 100, maxInFlight: 32, deliveryTimeout: TimeSpan.FromSeconds(2));
        publisher.TryPublish(Observation(Checkout, 0));
        await Eventually.WaitAsync(() => publisher.Sent == 1, Patience, "the first record acknowledged");

        cluster.SetBrokerDown(1);
        for (var i = 1; i <= 5; i++)
        {
            Assert.True(publisher.TryPublish(Observation(Checkout, i)));
        }

        await Eventually.WaitAsync(() => publisher.FailedDeliveries >= 5, Patience, "deliveries failing while the broker is down");
        Assert.Equal(1, publisher.Sent);
        cluster.SetBrokerUp(1);
        await Eventually.WaitAsync(() => publisher.Sent == 6, Patience, "every record acknowledged after the broker came back");
        var records = ReadTopic(cluster.BootstrapServers, 6);

        Assert.Equal(0, publisher.Dropped);
        Assert.Equal(0, publisher.Buffered);
        Assert.Equal([0L, 1, 2, 3, 4, 5], records.Select(r => Read(r.Value).Sequence).Order());
        Assert.Single(records.Select(r => r.Partition).Distinct());

        // One key, one partition: the topic must hold them in the order they were published.
        Assert.Equal([0L, 1, 2, 3, 4, 5], records.Select(r => Read(r.Value).Sequence));
    }

    [Fact]
    public async Task TryPublish_ObservationsFromExpositionsWithPersonalLabels_NoneOfThemReachesKafka()
    {
        using var cluster = Cluster();
        using var publisher = Publisher(cluster.BootstrapServers, capacity: 100, maxInFlight: 32, deliveryTimeout: TimeSpan.FromSeconds(10));
        var options = new SidecarOptions { Namespace = "shop", Service = "checkout", Pod = "checkout-7d9f8c6b5-x2x4q", Node = "node-a" };
        var builder = new ObservationBuilder(options, Checkout, Detectors.Create(Detectors.Default));
        var observations = new[] { (10, 0, 4), (25, 2, 9), (40, 5, 15) }
            .Select((counts, i) => builder.Next(Conventions.Result(Exposition(counts.Item1, counts.Item2, counts.Item3)), T0 + TimeSpan.FromSeconds(5 * i)))
            .OfType<Observation>()
            .ToList();

        Assert.Equal([32.0, 33], observations.Select(o => o.Requests));
        Assert.Equal([2.0, 3], observations.Select(o => o.Errors));
        Assert.All(observations, o => Assert.True(publisher.TryPublish(o)));
        await Eventually.WaitAsync(() => publisher.Sent == 2, Patience, "2 records acknowledged");
        var records = ReadRaw(cluster.BootstrapServers, 2);

        Assert.Equal(2, records.Count);
        string[] forbidden =
        [
            "203.0.113.7", "203.0.113", "203,0,113,7", "cb007107", "3405803783", "ywbxbw", "mjazljaumtezljc",
            "bob@example.com", "bob", "example.com", "client", "email",
        ];
        foreach (var (key, value, _) in records)
        {
            foreach (var bytes in new[] { key, value })
            {
                var text = Encoding.UTF8.GetString(bytes).ToLowerInvariant();
                Assert.All(forbidden, f => Assert.DoesNotContain(f, text, StringComparison.Ordinal));
                Assert.Equal(-1, bytes.AsSpan().IndexOf(new byte[] { 203, 0, 113, 7 }));
                Assert.Equal(-1, bytes.AsSpan().IndexOf(new byte[] { 7, 113, 0, 203 }));
            }
        }

        Assert.Contains(records, r => Encoding.UTF8.GetString(r.Value).Contains("checkout-7d9f8c6b5-x2x4q", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        _telemetry.Dispose();
        _meters.Dispose();
    }

    private BufferedObservationPublisher Publisher(string bootstrap, int capacity, int maxInFlight, TimeSpan deliveryTimeout) =>
        new(new Dictionary<string, string>(StringComparer.Ordinal) { ["bootstrap.servers"] = bootstrap }, Topic, capacity, maxInFlight, deliveryTimeout,
            TimeProvider.System, _telemetry, _connectivity, NullLogger<BufferedObservationPublisher>.Instance);

    private static EmbeddedKafkaCluster Cluster()
    {
        var cluster = new EmbeddedKafkaCluster();
        cluster.CreateTopic(Topic, Partitions);
        return cluster;
    }

    /// <summary>A loopback port nothing listens on: connections are refused.</summary>
    private static string ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"127.0.0.1:{port}";
    }

    private static Observation Observation(ServiceKey service, long sequence) => new()
    {
        Service = service,
        Pod = service.Service + "-pod",
        Start = T0.AddSeconds(5 * sequence),
        End = T0.AddSeconds(5 * (sequence + 1)),
        Requests = 10,
        Sequence = sequence,
    };

    private static Observation Read(byte[] value)
    {
        Assert.Equal(ObservationRejection.None, new ObservationReader().TryRead(value, out var observation, out var detail));
        Assert.True(observation is not null, detail);
        return observation;
    }

    /// <summary>What an app with per-client labels exposes: two clients' series of the same status.</summary>
    private static string Exposition(int ok, int failed, int slow) => $$"""
        # TYPE http_requests counter
        http_requests_total{code="200",client="203.0.113.7",email="bob@example.com"} {{ok}}
        http_requests_total{code="500",client="203.0.113.7",email="bob@example.com"} {{failed}}
        http_requests_total{code="200",client="198.51.100.2",email="carol@example.org"} {{ok}}
        # TYPE http_request_duration_seconds histogram
        http_request_duration_seconds_bucket{client="203.0.113.7",email="bob@example.com",le="0.1"} {{ok - slow}}
        http_request_duration_seconds_bucket{client="203.0.113.7",email="bob@example.com",le="+Inf"} {{ok}}
        http_request_duration_seconds_sum{client="203.0.113.7",email="bob@example.com"} {{slow}}.5
        http_request_duration_seconds_count{client="203.0.113.7",email="bob@example.com"} {{ok}}
        # EOF

        """;

    /// <summary>Every record on the topic (all partitions, from the start), raw, until <paramref name="expected"/> arrived.</summary>
    private static List<(string Key, byte[] Value, int Partition)> ReadTopic(string bootstrap, int expected) =>
        ReadRaw(bootstrap, expected).Select(r => (Encoding.UTF8.GetString(r.Key), r.Value, r.Partition)).ToList();

    private static List<(byte[] Key, byte[] Value, int Partition)> ReadRaw(string bootstrap, int expected)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "sidecar-tests-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
        var records = new List<(byte[] Key, byte[] Value, int Partition)>();
        var deadline = TimeProvider.System.GetUtcNow() + Patience;
        while (records.Count < expected && TimeProvider.System.GetUtcNow() < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                records.Add((result.Message.Key, result.Message.Value, result.Partition.Value));
            }
        }

        // Anything more than expected would be a duplicate: give it a moment to show up.
        while (consumer.Consume(TimeSpan.FromMilliseconds(300)) is { IsPartitionEOF: false } extra)
        {
            records.Add((extra.Message.Key, extra.Message.Value, extra.Partition.Value));
        }

        consumer.Close();
        return records;
    }
}
