using System.ComponentModel.DataAnnotations;

namespace MetricsAdapter.Bus;

/// <summary>How the adapter reaches Kafka. Bound from configuration section <c>Kafka</c>.</summary>
public sealed record KafkaOptions
{
    public const string SectionName = "Kafka";

    /// <summary>The value of <see cref="Bootstrap"/> that starts librdkafka's mock cluster in process.</summary>
    public const string Embedded = "embedded";

    /// <summary>
    /// <c>host:port[,host:port…]</c> of the brokers (<c>--kafka-bootstrap</c>), or <c>embedded</c>: an in-process
    /// mock cluster for one machine, whose address is written to <see cref="BootstrapFile"/>. Default <c>embedded</c>.
    /// </summary>
    [Required]
    public string Bootstrap { get; init; } = Embedded;

    /// <summary>
    /// Any librdkafka setting by its own name (<c>security.protocol</c>, <c>sasl.mechanism</c>, <c>sasl.username</c>,
    /// <c>ssl.ca.location</c>, …), applied to every client. Secrets belong in <see cref="SecretFiles"/> or
    /// <see cref="SecretEnvironment"/>, never here or on the command line.
    /// </summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Settings read from files at start, e.g. <c>sasl.password: /var/run/secrets/kafka/password</c> (a mounted Secret).</summary>
    public IReadOnlyDictionary<string, string> SecretFiles { get; init; } = new Dictionary<string, string>();

    /// <summary>Settings read from environment variables at start, e.g. <c>sasl.password: KAFKA_SASL_PASSWORD</c>.</summary>
    public IReadOnlyDictionary<string, string> SecretEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Topic of observation v1 records. Default <c>metrics-adapter.observations</c>.</summary>
    [Required]
    public string ObservationsTopic { get; init; } = "metrics-adapter.observations";

    /// <summary>Topic of the audit trail (decision record v1). Default <c>metrics-adapter.decisions</c>.</summary>
    [Required]
    public string DecisionsTopic { get; init; } = "metrics-adapter.decisions";

    /// <summary>Consumer group of the decision managers. Default <c>metrics-adapter</c>.</summary>
    [Required]
    public string ConsumerGroup { get; init; } = "metrics-adapter";

    /// <summary>Where the embedded cluster's address is written (and removed at stop). Default <c>.run/kafka.bootstrap</c>.</summary>
    public string BootstrapFile { get; init; } = ".run/kafka.bootstrap";

    /// <summary>Check at start that both topics exist with the expected settings, and say what differs. Default true.</summary>
    public bool CheckTopics { get; init; } = true;

    /// <summary>Partitions of each topic the embedded cluster creates. Default 4; range 1 – 64.</summary>
    [Range(1, 64)]
    public int EmbeddedPartitions { get; init; } = 4;

    public bool IsEmbedded => string.Equals(Bootstrap, Embedded, StringComparison.OrdinalIgnoreCase);
}

/// <summary>The audit trail's local spool and the identity of its records. Bound from configuration section <c>Audit</c>.</summary>
public sealed record AuditOptions
{
    public const string SectionName = "Audit";

    /// <summary>
    /// The spool directory: every decision is appended and flushed to disk here before it is served, and shipped
    /// to Kafka from here in order. Default empty (<c>serve</c> sets <c>&lt;--state-dir&gt;/spool</c>).
    /// </summary>
    [Required]
    public string SpoolDirectory { get; init; } = string.Empty;

    /// <summary>
    /// Most bytes of unshipped decisions kept. When full, new decisions are not served (the HPA holds) and each
    /// refusal is counted and logged. Default 1 GiB; range 1 MiB – 1 TiB.
    /// </summary>
    [Range(1L << 20, 1L << 40)]
    public long SpoolMaxBytes { get; init; } = 1L << 30;

    /// <summary>Spool segment size: shipped segments are deleted whole. Default 64 MiB; range 64 KiB – 1 GiB.</summary>
    [Range(1L << 16, 1L << 30)]
    public long SegmentBytes { get; init; } = 64L << 20;

    /// <summary>
    /// CloudEvents <c>source</c> of this adapter's records. Default <c>/metrics-adapter/&lt;POD_NAMESPACE&gt;/&lt;POD_NAME&gt;</c>
    /// from the downward API, else <c>/metrics-adapter/local/&lt;host name&gt;</c>.
    /// </summary>
    public string Source { get; init; } = string.Empty;

    /// <summary>Decisions handed to the producer and not yet acknowledged, at most. Default 10 000; range 1 – 1 000 000.</summary>
    [Range(1, 1_000_000)]
    public int MaxInFlight { get; init; } = 10_000;

    /// <summary>The record source this adapter writes, resolved from <see cref="Source"/> and the pod's environment.</summary>
    public string ResolvedSource()
    {
        if (!string.IsNullOrEmpty(Source))
        {
            return Source;
        }

        var ns = Environment.GetEnvironmentVariable("POD_NAMESPACE");
        var pod = Environment.GetEnvironmentVariable("POD_NAME");
        return !string.IsNullOrEmpty(ns) && !string.IsNullOrEmpty(pod)
            ? $"/metrics-adapter/{ns}/{pod}"
            : $"/metrics-adapter/local/{Environment.MachineName.ToLowerInvariant()}";
    }
}
