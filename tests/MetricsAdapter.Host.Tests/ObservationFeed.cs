using System.Text;
using Confluent.Kafka;
using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Pipeline;

namespace MetricsAdapter.Host.Tests;

/// <summary>
/// The tests' own producer of observations, as sidecars publish them: every second each pod reports the second
/// that just ended. Keeps publishing through a broker outage (librdkafka queues, then gives up on what is too old).
/// </summary>
internal sealed class ObservationFeed : IAsyncDisposable
{
    public const string Topic = "metrics-adapter.observations";

    private readonly IProducer<byte[], byte[]> _producer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Dictionary<string, long> _sequences = new(StringComparer.Ordinal);

    public ObservationFeed(string bootstrap, IReadOnlyList<(ServiceKey Service, string Pod, double RequestsPerSecond)> pods)
    {
        _producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            EnableIdempotence = true,
            MessageTimeoutMs = 20_000,
            LingerMs = 5,
        }).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var end = TimeProvider.System.GetUtcNow();
                foreach (var (service, pod, rate) in pods)
                {
                    Publish(new Observation
                    {
                        Service = service,
                        Pod = pod,
                        Start = end - TimeSpan.FromSeconds(1),
                        End = end,
                        Requests = rate,
                        Latency = new LatencyHistogram([0.05, 0.1, 0.25, double.PositiveInfinity], [rate * 0.5, rate * 0.9, rate, rate], rate * 0.06, rate),
                        Sequence = Next(pod),
                    });
                }
            }
        });
    }

    public void Publish(Observation observation) => Publish(Encoding.UTF8.GetBytes(observation.Service.ToString()), ObservationJson.Serialize(observation));

    public void Publish(byte[] key, byte[] value)
    {
        try
        {
            _producer.Produce(Topic, new Message<byte[], byte[]> { Key = key, Value = value });
        }
        catch (ProduceException<byte[], byte[]>)
        {
            // A full queue during an outage: observations are telemetry.
        }
    }

    private long Next(string pod)
    {
        var next = _sequences.GetValueOrDefault(pod);
        _sequences[pod] = next + 1;
        return next;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _producer.Flush(TimeSpan.FromSeconds(2));
        _producer.Dispose();
        _stop.Dispose();
    }
}
