using MetricsAdapter.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.Bus.Tests;

/// <summary>An in-process mock cluster with both topics, and client settings for it.</summary>
internal sealed class KafkaTestCluster : IDisposable
{
    public KafkaTestCluster(int partitions = 4)
    {
        Cluster = new EmbeddedKafkaCluster();
        Options = new KafkaOptions { Bootstrap = Cluster.BootstrapServers, CheckTopics = false };
        Cluster.CreateTopic(Options.ObservationsTopic, partitions);
        Cluster.CreateTopic(Options.DecisionsTopic, partitions);
        Bootstrap = new KafkaBootstrap(Microsoft.Extensions.Options.Options.Create(Options), NullLogger<KafkaBootstrap>.Instance);
        Settings = new KafkaClientSettings(Microsoft.Extensions.Options.Options.Create(Options), Bootstrap);
    }

    public EmbeddedKafkaCluster Cluster { get; }

    public KafkaOptions Options { get; }

    public KafkaBootstrap Bootstrap { get; }

    public KafkaClientSettings Settings { get; }

    public TestMeterFactory Meters { get; } = new();

    public KafkaConnectivity Connectivity { get; } = new(TimeProvider.System);

    public BusTelemetry Telemetry() => new(Meters, Connectivity);

    public static IOptions<AuditOptions> Audit(string directory) => Microsoft.Extensions.Options.Options.Create(new AuditOptions { SpoolDirectory = directory, Source = "/metrics-adapter/test/bus" });

    public void Dispose()
    {
        Meters.Dispose();
        Cluster.Dispose();
    }
}
