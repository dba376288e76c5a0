using System.Globalization;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Core.Quantities;
using MetricsAdapter.Core.Validation;
using MetricsAdapter.Sidecar.Exposition;

namespace MetricsAdapter.Sidecar;

/// <summary>
/// The sidecar's settings, read from its arguments and environment (what the webhook writes, see
/// <see cref="SidecarContract"/>, plus optional tuning variables). Unlike the adapter's options these are never fatal:
/// as a native sidecar its failure would count against the app's pod, so every problem is reported
/// (<see cref="Problems"/>: logs, <c>/metrics</c>) and the sidecar runs with the default for that setting, or degraded.
/// </summary>
public sealed record SidecarOptions
{
    public const string ScrapeIntervalVariable = "METRICS_ADAPTER_SCRAPE_INTERVAL";
    public const string ScrapeTimeoutVariable = "METRICS_ADAPTER_SCRAPE_TIMEOUT";
    public const string ScrapeHostVariable = "METRICS_ADAPTER_SCRAPE_HOST";
    public const string RequestsMetricVariable = "METRICS_ADAPTER_REQUESTS_METRIC";
    public const string LatencyMetricVariable = "METRICS_ADAPTER_LATENCY_METRIC";
    public const string LatencyUnitVariable = "METRICS_ADAPTER_LATENCY_UNIT";
    public const string StatusLabelsVariable = "METRICS_ADAPTER_STATUS_LABELS";
    public const string ErrorStatusVariable = "METRICS_ADAPTER_ERROR_STATUS";
    public const string MaxSeriesVariable = "METRICS_ADAPTER_MAX_SERIES";
    public const string BufferVariable = "METRICS_ADAPTER_BUFFER";
    public const string TopicVariable = "METRICS_ADAPTER_OBSERVATIONS_TOPIC";

    /// <summary>The most series and buffered observations allowed: what fits the sidecar's managed heap limit (32 MiB).</summary>
    public const int MaxSeriesLimit = 50_000;

    /// <summary>See <see cref="MaxSeriesLimit"/>; an observation is about 1 KB.</summary>
    public const int MaxBufferLimit = 10_000;

    /// <summary>Where <c>/healthz</c>, <c>/livez</c>, <c>/metrics</c> listen: <c>--listen=[host]:port</c>. Default all addresses, port 9464.</summary>
    public string ListenHost { get; init; } = "*";

    public int ListenPort { get; init; } = SidecarContract.DefaultPort;

    public string Namespace { get; init; } = string.Empty;

    public string Service { get; init; } = string.Empty;

    public string Pod { get; init; } = string.Empty;

    public string? Node { get; init; }

    /// <summary>The app's metrics endpoint. Default <c>http://127.0.0.1:8080/metrics</c>.</summary>
    public Uri ScrapeUri { get; init; } = new("http://127.0.0.1:8080/metrics");

    /// <summary>How often the app is scraped (one observation each). Default 5 s; range 1 s – 5 min.</summary>
    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one scrape may take; always shorter than the interval. Default 80 % of the interval, at most 4 s.</summary>
    public TimeSpan ScrapeTimeout { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Where requests, status codes and latency are read; the first with data wins. Default <see cref="MetricConvention.Defaults"/>.</summary>
    public IReadOnlyList<MetricConvention> Conventions { get; init; } = MetricConvention.Defaults;

    /// <summary>Status label values that count as errors, by prefix. Default <c>5</c> (5xx).</summary>
    public IReadOnlyList<string> ErrorStatusPrefixes { get; init; } = ["5"];

    /// <summary>Most series of the wanted metrics kept per scrape; more are counted and ignored. Default 10 000.</summary>
    public int MaxSeries { get; init; } = 10_000;

    /// <summary>Observations kept while Kafka is away (the oldest go first). Default 720: an hour at 5 s.</summary>
    public int BufferCapacity { get; init; } = 720;

    /// <summary>A request rate one pod cannot have; above it counts are clipped. Default 1 000 000/s.</summary>
    public double MaxRequestsPerSecond { get; init; } = 1_000_000;

    /// <summary>Kafka bootstrap servers; empty means observations are computed and buffered but not sent.</summary>
    public string KafkaBootstrap { get; init; } = string.Empty;

    /// <summary>The mounted Kafka Secret's folder.</summary>
    public string KafkaSecretDirectory { get; init; } = SidecarContract.KafkaSecretMountPath;

    public string ObservationsTopic { get; init; } = "metrics-adapter.observations";

    /// <summary>Time allowed at SIGTERM for the last observation and the buffer's flush. Default 5 s.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Exit when standard input closes (a supervising parent went away). Off in pods.</summary>
    public bool ExitWithParent { get; init; }

    /// <summary>What is wrong with the settings; each made the sidecar fall back to a default or run degraded.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Whether observations can be keyed: without an identity the sidecar scrapes but publishes nothing.</summary>
    public bool HasIdentity => Namespace.Length > 0 && Service.Length > 0 && Pod.Length > 0;

    /// <summary>Reads the settings; never throws on bad input.</summary>
    public static SidecarOptions Read(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var problems = new List<string>();
        var options = new SidecarOptions();
        string? Env(string name) => environment(name) is { Length: > 0 } value ? value.Trim() : null;

        foreach (var arg in args.Skip(args.Count > 0 && args[0] == SidecarContract.Verb ? 1 : 0))
        {
            if (arg.StartsWith(SidecarContract.ListenFlag + "=", StringComparison.Ordinal))
            {
                var (host, port) = ReadListen(arg[(SidecarContract.ListenFlag.Length + 1)..], problems);
                options = options with { ListenHost = host, ListenPort = port };
            }
            else if (arg == "--exit-with-parent")
            {
                options = options with { ExitWithParent = true };
            }
            else
            {
                problems.Add($"unknown argument \"{arg}\" ignored");
            }
        }

        var ns = Env(SidecarContract.PodNamespace) ?? string.Empty;
        var service = Env(SidecarContract.Service) ?? string.Empty;
        var pod = Env(SidecarContract.PodName) ?? string.Empty;
        CheckName(SidecarContract.PodNamespace, ref ns, KubernetesNames.ValidateDns1123Label, problems);
        CheckName(SidecarContract.Service, ref service, KubernetesNames.ValidateLabelValue, problems);
        CheckName(SidecarContract.PodName, ref pod, KubernetesNames.ValidateDns1123Subdomain, problems);
        options = options with { Namespace = ns, Service = service, Pod = pod, Node = Env(SidecarContract.NodeName) };

        var scrapePort = 8080;
        if (Env(SidecarContract.ScrapePort) is { } portText && !TryPort(portText, out scrapePort))
        {
            problems.Add($"{SidecarContract.ScrapePort} \"{portText}\" is not a port; using 8080");
            scrapePort = 8080;
        }

        var path = Env(SidecarContract.ScrapePath) ?? "/metrics";
        if (!path.StartsWith('/') || !Uri.TryCreate("http://127.0.0.1" + path, UriKind.Absolute, out _))
        {
            problems.Add($"{SidecarContract.ScrapePath} \"{path}\" is not a path; using /metrics");
            path = "/metrics";
        }

        var scrapeHost = (Env(ScrapeHostVariable) ?? "127.0.0.1").Trim('[', ']');
        var authority = scrapeHost.Contains(':', StringComparison.Ordinal) ? $"[{scrapeHost}]" : scrapeHost;
        if (Uri.CheckHostName(scrapeHost) == UriHostNameType.Unknown
            || !Uri.TryCreate($"http://{authority}:{scrapePort.ToString(CultureInfo.InvariantCulture)}{path}", UriKind.Absolute, out var scrapeUri))
        {
            problems.Add($"{ScrapeHostVariable} \"{scrapeHost}\" is not a host; using 127.0.0.1");
            scrapeUri = new Uri($"http://127.0.0.1:{scrapePort.ToString(CultureInfo.InvariantCulture)}{path}");
        }

        options = options with { ScrapeUri = scrapeUri };

        var interval = ReadDuration(Env(ScrapeIntervalVariable), ScrapeIntervalVariable, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), problems);
        var defaultTimeout = TimeSpan.FromTicks(Math.Min((long)(interval.Ticks * 0.8), TimeSpan.FromSeconds(4).Ticks));
        var timeout = ReadDuration(Env(ScrapeTimeoutVariable), ScrapeTimeoutVariable, defaultTimeout, TimeSpan.FromMilliseconds(100), interval, problems);
        if (timeout >= interval)
        {
            problems.Add($"{ScrapeTimeoutVariable} must be shorter than the interval; using {defaultTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s");
            timeout = defaultTimeout;
        }

        options = options with { ScrapeInterval = interval, ScrapeTimeout = timeout };
        options = options with { Conventions = ReadConventions(Env, problems) };
        if (Env(ErrorStatusVariable) is { } errorStatus)
        {
            options = options with { ErrorStatusPrefixes = SplitList(errorStatus) };
        }

        options = options with
        {
            MaxSeries = ReadInt(Env(MaxSeriesVariable), MaxSeriesVariable, 10_000, 10, MaxSeriesLimit, problems),
            BufferCapacity = ReadInt(Env(BufferVariable), BufferVariable, 720, 1, MaxBufferLimit, problems),
            ObservationsTopic = Env(TopicVariable) ?? options.ObservationsTopic,
            KafkaSecretDirectory = Env(SidecarContract.KafkaSecretDirectory) ?? options.KafkaSecretDirectory,
        };

        var bootstrap = Env(SidecarContract.KafkaBootstrap) ?? string.Empty;
        if (bootstrap.Length == 0)
        {
            problems.Add($"{SidecarContract.KafkaBootstrap} is not set: observations are computed and kept in the buffer, not sent");
        }
        else if (bootstrap.Any(char.IsWhiteSpace))
        {
            problems.Add($"{SidecarContract.KafkaBootstrap} \"{bootstrap}\" is not a list of host:port: observations are not sent");
            bootstrap = string.Empty;
        }

        return options with { KafkaBootstrap = bootstrap, Problems = problems };
    }

    private static IReadOnlyList<MetricConvention> ReadConventions(Func<string, string?> env, List<string> problems)
    {
        var requests = env(RequestsMetricVariable);
        var latency = env(LatencyMetricVariable);
        var unit = env(LatencyUnitVariable);
        var statusLabels = env(StatusLabelsVariable);
        if (requests is null && latency is null && unit is null && statusLabels is null)
        {
            return MetricConvention.Defaults;
        }

        var scale = 1.0;
        if (unit is not null)
        {
            switch (unit.ToLowerInvariant())
            {
                case "s" or "seconds":
                    break;
                case "ms" or "milliseconds":
                    scale = 0.001;
                    break;
                default:
                    problems.Add($"{LatencyUnitVariable} \"{unit}\" is neither seconds nor milliseconds; using seconds");
                    break;
            }
        }
        else if (latency?.EndsWith("_milliseconds", StringComparison.Ordinal) == true)
        {
            scale = 0.001;
        }

        if (requests is not null && !IsMetricName(requests))
        {
            problems.Add($"{RequestsMetricVariable} \"{requests}\" is not a metric name; ignored");
            requests = null;
        }

        if (latency is not null && !IsMetricName(latency))
        {
            problems.Add($"{LatencyMetricVariable} \"{latency}\" is not a metric name; ignored");
            latency = null;
        }

        if (requests is null && latency is null)
        {
            problems.Add("no usable metric configured; using the default conventions");
            return MetricConvention.Defaults;
        }

        var labels = statusLabels is null ? ["code", "status", "status_code", "http_response_status_code", "http_status_code"] : SplitList(statusLabels);
        return [new MetricConvention("configured", requests, latency, scale, labels)];
    }

    private static bool IsMetricName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    private static string[] SplitList(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static (string Host, int Port) ReadListen(string text, List<string> problems)
    {
        var colon = text.LastIndexOf(':');
        var host = colon <= 0 ? "*" : text[..colon].Trim('[', ']');
        if (colon < 0 || !TryPort(text[(colon + 1)..], out var port))
        {
            problems.Add($"{SidecarContract.ListenFlag}={text} is not [host]:port; listening on :{SidecarContract.DefaultPort}");
            return ("*", SidecarContract.DefaultPort);
        }

        return (host.Length == 0 ? "*" : host, port);
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;

    private static void CheckName(string variable, ref string value, Func<string, string?> validate, List<string> problems)
    {
        if (value.Length == 0)
        {
            problems.Add($"{variable} is not set: observations cannot be keyed and are not published");
        }
        else if (validate(value) is { } error)
        {
            problems.Add($"{variable} \"{value}\": {error}; observations are not published");
            value = string.Empty;
        }
    }

    private static int ReadInt(string? text, string variable, int fallback, int min, int max, List<string> problems)
    {
        if (text is null)
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        problems.Add($"{variable} \"{text}\" is not a whole number in [{min}, {max}]; using {fallback}");
        return fallback;
    }

    /// <summary>Durations as Go and Kubernetes write them (<c>500ms</c>, <c>5s</c>, <c>1m</c>), within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    private static TimeSpan ReadDuration(string? text, string variable, TimeSpan fallback, TimeSpan min, TimeSpan max, List<string> problems)
    {
        if (text is null)
        {
            return fallback;
        }

        if (DurationText.TryParse(text, DurationText.FromMilliseconds, out var span) && span >= min && span <= max)
        {
            return span;
        }

        problems.Add($"{variable} \"{text}\" is not a duration between {min.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s and {max.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s; using {fallback.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s");
        return fallback;
    }
}
