using System.Reflection;
using System.Runtime.InteropServices;

namespace MetricsAdapter.Bus.Native;

/// <summary>
/// The few functions of librdkafka that Confluent.Kafka does not wrap: its mock cluster (<c>rdkafka_mock.h</c>).
/// They are called in the very library Confluent.Kafka loaded (librdkafka.redist's build for this platform), so
/// the mock cluster and the clients share one instance of the code.
/// </summary>
internal static partial class Librdkafka
{
    private const string LibraryName = "rdkafka";
    private static readonly Lazy<nint> Handle = new(Load);

    static Librdkafka()
    {
        NativeLibrary.SetDllImportResolver(typeof(Librdkafka).Assembly, Resolve);
    }

    public const int ProducerType = 0;

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_new")]
    public static partial nint ConfNew();

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_destroy")]
    public static partial void ConfDestroy(nint conf);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ConfSet(nint conf, string name, string value, [Out] byte[] error, nuint errorSize);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_new")]
    public static partial nint New(int type, nint conf, [Out] byte[] error, nuint errorSize);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_destroy")]
    public static partial void Destroy(nint handle);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_handle_mock_cluster")]
    public static partial nint HandleMockCluster(nint handle);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    public static partial nint MockClusterBootstraps(nint cluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_down")]
    public static partial int MockBrokerSetDown(nint cluster, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_up")]
    public static partial int MockBrokerSetUp(nint cluster, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MockTopicCreate(nint cluster, string topic, int partitions, int replicationFactor);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_err2str")]
    public static partial nint ErrorText(int error);

    public static string Describe(int error) => Marshal.PtrToStringUTF8(ErrorText(error)) ?? error.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == LibraryName ? Handle.Value : 0;

    /// <summary>Has Confluent.Kafka load its librdkafka, then finds that file among the process' mappings.</summary>
    private static nint Load()
    {
        Confluent.Kafka.Library.Load();
        const string maps = "/proc/self/maps";
        if (File.Exists(maps))
        {
            foreach (var line in File.ReadLines(maps))
            {
                var path = line[(line.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? slash : line.Length)..];
                if (path.Contains("librdkafka", StringComparison.Ordinal) && NativeLibrary.TryLoad(path, out var loaded))
                {
                    return loaded;
                }
            }
        }

        throw new DllNotFoundException("librdkafka is not loaded in this process (the mock cluster needs the library Confluent.Kafka uses, on Linux)");
    }
}
