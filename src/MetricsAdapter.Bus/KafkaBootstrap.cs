using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.Bus;

/// <summary>
/// Where the brokers are: the configured address, or an embedded mock cluster started on first use whose address
/// is written to <see cref="KafkaOptions.BootstrapFile"/> (so <c>kcat -b $(cat .run/kafka.bootstrap)</c> works) and
/// removed when this is disposed.
/// </summary>
public sealed partial class KafkaBootstrap : IDisposable
{
    private readonly KafkaOptions _options;
    private readonly EmbeddedKafkaCluster? _embedded;

    public KafkaBootstrap(IOptions<KafkaOptions> options, ILogger<KafkaBootstrap> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        if (!_options.IsEmbedded)
        {
            Address = _options.Bootstrap;
            return;
        }

        _embedded = new EmbeddedKafkaCluster();
        foreach (var topic in new[] { _options.ObservationsTopic, _options.DecisionsTopic })
        {
            _embedded.CreateTopic(topic, _options.EmbeddedPartitions);
        }

        Address = _embedded.BootstrapServers;
        if (!string.IsNullOrEmpty(_options.BootstrapFile))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_options.BootstrapFile))!);
            File.WriteAllText(_options.BootstrapFile, Address + "\n");
        }

        LogEmbedded(logger, Address, string.IsNullOrEmpty(_options.BootstrapFile) ? "(not written)" : _options.BootstrapFile);
    }

    /// <summary><c>bootstrap.servers</c> for every client.</summary>
    public string Address { get; }

    public bool IsEmbedded => _embedded is not null;

    public void Dispose()
    {
        if (_embedded is null)
        {
            return;
        }

        if (!string.IsNullOrEmpty(_options.BootstrapFile) && File.Exists(_options.BootstrapFile)
            && File.ReadAllText(_options.BootstrapFile).Trim() == Address)
        {
            File.Delete(_options.BootstrapFile);
        }

        _embedded.Dispose();
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information,
        Message = "Embedded Kafka (librdkafka mock cluster, this process only, not durable) at {Address}, written to {File}")]
    private static partial void LogEmbedded(ILogger logger, string address, string file);
}
