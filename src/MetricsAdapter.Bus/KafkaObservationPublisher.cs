using System.Text;
using Confluent.Kafka;
using MetricsAdapter.Core.Observations;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.Bus;

/// <summary>
/// Publishes observation v1 records keyed <c>namespace/service</c> (the demo's side of the bus, as sidecars
/// publish). Never blocks: beyond librdkafka's bounded queue a record is dropped and counted; one that cannot be
/// delivered within 30 s is given up and counted — observations are telemetry.
/// </summary>
public sealed class KafkaObservationPublisher : IObservationPublisher, IDisposable
{
    public const string Role = "observation-producer";

    private readonly IProducer<byte[], byte[]> _producer;
    private readonly string _topic;
    private readonly BusTelemetry _telemetry;
    private readonly Action<DeliveryReport<byte[], byte[]>> _onDelivery;
    private int _disposed;

    public KafkaObservationPublisher(KafkaClientSettings settings, TimeProvider timeProvider, BusTelemetry telemetry, KafkaConnectivity connectivity, ILogger<KafkaObservationPublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _telemetry = telemetry;
        _topic = settings.Options.ObservationsTopic;
        var log = new KafkaClientLog(Role, logger, timeProvider, connectivity, telemetry);
        _producer = new ProducerBuilder<byte[], byte[]>(settings.For("metrics-adapter-observations",
                ("enable.idempotence", "true"),
                ("linger.ms", "20"),
                ("message.timeout.ms", "30000"),
                ("queue.buffering.max.messages", "10000"),
                ("partitioner", "murmur2_random")))
            .SetErrorHandler((_, error) => log.OnError(error))
            .SetLogHandler((_, message) => log.OnLog(message))
            .Build();
        _onDelivery = report =>
        {
            if (report.Error.IsError)
            {
                _telemetry.Published("failed");
            }
            else
            {
                log.Reached();
                _telemetry.Published("sent");
            }
        };
    }

    public bool TryPublish(Observation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        try
        {
            _producer.Produce(_topic, new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes(observation.Service.ToString()),
                Value = ObservationJson.Serialize(observation),
            }, _onDelivery);
            return true;
        }
        catch (ProduceException<byte[], byte[]> exception) when (exception.Error.Code == ErrorCode.Local_QueueFull)
        {
            _telemetry.Published("dropped");
            return false;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _producer.Flush(TimeSpan.FromSeconds(2));
        _producer.Dispose();
    }
}
