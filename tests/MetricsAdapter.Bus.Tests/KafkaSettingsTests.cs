using MetricsAdapter.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.Bus.Tests;

public sealed class KafkaSettingsTests
{
    [Fact]
    public void Settings_PassThroughWithSecretsFromFilesAndEnvironment_NeverInTheDescription()
    {
        using var directory = new TemporaryDirectory();
        var passwordFile = Path.Combine(directory.Path, "password");
        File.WriteAllText(passwordFile, "file-secret\n");
        Environment.SetEnvironmentVariable("METRICS_ADAPTER_TEST_KEY_PASSWORD", "env-secret");
        var options = Options.Create(new KafkaOptions
        {
            Bootstrap = "broker-1:9093,broker-2:9093",
            Settings = new Dictionary<string, string> { ["security.protocol"] = "SASL_SSL", ["sasl.mechanism"] = "SCRAM-SHA-512", ["sasl.username"] = "adapter" },
            SecretFiles = new Dictionary<string, string> { ["sasl.password"] = passwordFile },
            SecretEnvironment = new Dictionary<string, string> { ["ssl.key.password"] = "METRICS_ADAPTER_TEST_KEY_PASSWORD" },
        });

        var settings = new KafkaClientSettings(options, new KafkaBootstrap(options, NullLogger<KafkaBootstrap>.Instance));
        var client = settings.For("test");

        Assert.Equal("broker-1:9093,broker-2:9093", client["bootstrap.servers"]);
        Assert.Equal("SASL_SSL", client["security.protocol"]);
        Assert.Equal("file-secret", client["sasl.password"]);
        Assert.Equal("env-secret", client["ssl.key.password"]);
        Assert.Equal("test", client["client.id"]);
        var description = settings.Describe();
        Assert.DoesNotContain("secret", description.Replace("[redacted]", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("sasl.username=adapter", description, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_SecretEnvironmentVariableMissing_SaysWhich()
    {
        var options = Options.Create(new KafkaOptions
        {
            Bootstrap = "broker:9092",
            SecretEnvironment = new Dictionary<string, string> { ["sasl.password"] = "METRICS_ADAPTER_TEST_UNSET_VARIABLE" },
        });

        var error = Assert.Throws<InvalidOperationException>(() => new KafkaClientSettings(options, new KafkaBootstrap(options, NullLogger<KafkaBootstrap>.Instance)));
        Assert.Contains("METRICS_ADAPTER_TEST_UNSET_VARIABLE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bootstrap_Embedded_WritesItsAddressAndRemovesItAtTheEnd()
    {
        using var directory = new TemporaryDirectory();
        var file = Path.Combine(directory.Path, "run", "kafka.bootstrap");
        var bootstrap = new KafkaBootstrap(Options.Create(new KafkaOptions { BootstrapFile = file }), NullLogger<KafkaBootstrap>.Instance);

        Assert.True(bootstrap.IsEmbedded);
        Assert.Equal(bootstrap.Address, File.ReadAllText(file).Trim());
        Assert.StartsWith("127.0.0.1:", bootstrap.Address, StringComparison.Ordinal);
        bootstrap.Dispose();
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void TopicCheck_AgainstTheMockCluster_ReportsPartitionsAndThatSettingsAreUnreadable()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var options = Options.Create(new KafkaOptions { Bootstrap = cluster.BootstrapServers, ObservationsTopic = "some-observations", DecisionsTopic = "some-decisions" });
        cluster.CreateTopic("some-observations", 2);
        cluster.CreateTopic("some-decisions", 3);
        var settings = new KafkaClientSettings(options, new KafkaBootstrap(options, NullLogger<KafkaBootstrap>.Instance));

        var findings = new TopicCheck(settings, NullLogger<TopicCheck>.Instance).Check(CancellationToken.None);

        Assert.Equal(2, findings.Count);
        Assert.Contains("some-observations: exists with 2 partitions; its settings could not be read", findings[0], StringComparison.Ordinal);
        Assert.Contains("some-decisions: exists with 3 partitions", findings[1], StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Assessments => new()
    {
        { "missing", "does not exist" },
        { "fine", "some-decisions: 4 partitions, cleanup.policy=delete, retention.ms=604800000" },
        { "short retention", "retention.ms is 3600000, expected 604800000" },
        { "compacted", "cleanup.policy is compact, expected delete" },
    };

    [Theory]
    [MemberData(nameof(Assessments))]
    public void TopicCheck_Assess_SaysWhatIsMissingOrDifferent(string situation, string expected)
    {
        var topic = TopicCheck.Expected(new KafkaOptions { DecisionsTopic = "some-decisions" })[1];
        var partitions = Enumerable.Range(0, 4).Select(p => new Confluent.Kafka.PartitionMetadata(p, 1, [1], [1], Confluent.Kafka.ErrorCode.NoError)).ToList();
        var metadata = situation == "missing"
            ? new Confluent.Kafka.TopicMetadata("some-decisions", [], Confluent.Kafka.ErrorCode.UnknownTopicOrPart)
            : new Confluent.Kafka.TopicMetadata("some-decisions", partitions, Confluent.Kafka.ErrorCode.NoError);
        var actual = new Dictionary<string, string>
        {
            ["cleanup.policy"] = situation == "compacted" ? "compact" : "delete",
            ["retention.ms"] = situation == "short retention" ? "3600000" : "604800000",
        };

        var (_, text) = TopicCheck.Assess(topic, metadata, actual, null);

        Assert.Contains(expected, text, StringComparison.Ordinal);
        if (situation == "missing")
        {
            Assert.Contains("manifests/kafka-topics.yaml", text, StringComparison.Ordinal);
        }
    }
}
