namespace MetricsAdapter.Core.Pipeline;

/// <summary>
/// What the webhook hands the predictor sidecar and the sidecar reads: one definition for both, so that a change to
/// one side cannot compile without the other (the Sidecar tests also run the sidecar's settings on the container the
/// webhook writes).
/// </summary>
public static class SidecarContract
{
    /// <summary>The verb the injected container runs.</summary>
    public const string Verb = "sidecar";

    /// <summary>The flag of the sidecar's own listen address, <c>--listen=:9464</c>.</summary>
    public const string ListenFlag = "--listen";

    /// <summary>The port of the sidecar's <c>/healthz</c>, <c>/livez</c> and <c>/metrics</c>.</summary>
    public const int DefaultPort = 9464;

    /// <summary>The pod's name (downward API).</summary>
    public const string PodName = "POD_NAME";

    /// <summary>The pod's namespace (downward API).</summary>
    public const string PodNamespace = "POD_NAMESPACE";

    /// <summary>The node's name (downward API).</summary>
    public const string NodeName = "NODE_NAME";

    /// <summary>The service the pod belongs to, as the webhook resolved it.</summary>
    public const string Service = "METRICS_ADAPTER_SERVICE";

    /// <summary>The app's metrics port on localhost.</summary>
    public const string ScrapePort = "METRICS_ADAPTER_SCRAPE_PORT";

    /// <summary>The app's metrics path.</summary>
    public const string ScrapePath = "METRICS_ADAPTER_SCRAPE_PATH";

    /// <summary>Kafka's bootstrap servers, <c>host:port[,host:port…]</c>.</summary>
    public const string KafkaBootstrap = "METRICS_ADAPTER_KAFKA_BOOTSTRAP";

    /// <summary>The folder of the mounted Kafka Secret (its keys as files), when it is not <see cref="KafkaSecretMountPath"/>.</summary>
    public const string KafkaSecretDirectory = "METRICS_ADAPTER_KAFKA_SECRET_DIR";

    /// <summary>Where the webhook mounts the Kafka Secret, read-only.</summary>
    public const string KafkaSecretMountPath = "/etc/metrics-adapter/kafka";

    /// <summary>The name of the volume holding the Kafka Secret.</summary>
    public const string KafkaSecretVolume = "metrics-adapter-kafka";

    /// <summary>The variables the webhook always writes; configuration may not set them.</summary>
    public static IReadOnlySet<string> Reserved { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        PodName, PodNamespace, NodeName, Service, ScrapePort, ScrapePath, KafkaBootstrap, KafkaSecretDirectory,
    };
}
