using System.Runtime.InteropServices;
using MetricsAdapter.Bus.Native;

namespace MetricsAdapter.Bus;

/// <summary>
/// librdkafka's mock cluster, in this process: real Kafka protocol over TCP on loopback, for one machine and for
/// tests. Its brokers can be taken down and brought up again (an outage without a network trick). It lives as long
/// as this object.
/// </summary>
public sealed class EmbeddedKafkaCluster : IDisposable
{
    private readonly nint _handle;
    private readonly nint _cluster;
    private bool _disposed;

    /// <exception cref="InvalidOperationException">librdkafka refused to start the cluster; the message says why.</exception>
    public EmbeddedKafkaCluster(int brokers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        Brokers = brokers;
        var error = new byte[512];
        var conf = Librdkafka.ConfNew();
        if (Librdkafka.ConfSet(conf, "test.mock.num.brokers", brokers.ToString(System.Globalization.CultureInfo.InvariantCulture), error, (nuint)error.Length) != 0
            || Librdkafka.ConfSet(conf, "log_level", "3", error, (nuint)error.Length) != 0)
        {
            Librdkafka.ConfDestroy(conf);
            throw new InvalidOperationException("librdkafka refused the mock cluster settings: " + Text(error));
        }

        _handle = Librdkafka.New(Librdkafka.ProducerType, conf, error, (nuint)error.Length);
        if (_handle == 0)
        {
            Librdkafka.ConfDestroy(conf);
            throw new InvalidOperationException("librdkafka could not start the mock cluster: " + Text(error));
        }

        _cluster = Librdkafka.HandleMockCluster(_handle);
        BootstrapServers = Marshal.PtrToStringUTF8(Librdkafka.MockClusterBootstraps(_cluster))
            ?? throw new InvalidOperationException("the mock cluster has no address");
    }

    /// <summary><c>host:port,…</c> of the brokers, for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    public int Brokers { get; }

    /// <summary>Creates a topic now (the mock cluster would otherwise create it on first use with its own partition count).</summary>
    public void CreateTopic(string topic, int partitions)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Check(Librdkafka.MockTopicCreate(_cluster, topic, partitions, Math.Min(Brokers, 3)), $"create topic {topic}");
    }

    /// <summary>Disconnects the broker and refuses new connections until <see cref="SetBrokerUp"/>.</summary>
    public void SetBrokerDown(int brokerId)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Check(Librdkafka.MockBrokerSetDown(_cluster, brokerId), $"take broker {brokerId} down");
    }

    public void SetBrokerUp(int brokerId)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Check(Librdkafka.MockBrokerSetUp(_cluster, brokerId), $"bring broker {brokerId} up");
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Librdkafka.Destroy(_handle);
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"the mock cluster could not {what}: {Librdkafka.Describe(error)}");
        }
    }

    private static string Text(byte[] error)
    {
        var end = Array.IndexOf(error, (byte)0);
        return System.Text.Encoding.UTF8.GetString(error, 0, end < 0 ? error.Length : end);
    }
}
