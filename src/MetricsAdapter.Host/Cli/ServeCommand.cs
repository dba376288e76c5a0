using System.CommandLine;
using MetricsAdapter.Host.Serving;

namespace MetricsAdapter.Host.Cli;

/// <summary><c>serve</c>: the adapter's server process (external metrics API, health, telemetry).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen")
        {
            Description = "Address to serve HTTPS on: ip:port, [ipv6]:port or :port for all interfaces.",
            DefaultValueFactory = _ => "127.0.0.1:6443",
        };
        var certFile = new Option<string?>("--tls-cert-file") { Description = "PEM serving certificate (with intermediates). Reloaded when the file changes." };
        var keyFile = new Option<string?>("--tls-key-file") { Description = "PEM private key of --tls-cert-file." };
        var demo = new Option<bool>("--demo") { Description = "Run the demo: the demo app (checkout, frontend and search in namespace demo, two pods each) and one predictor sidecar process per pod publishing observations onto the bus, supervised." };
        var config = new Option<FileInfo?>("--config") { Description = "JSON file of option sections (Decisions, Kafka, Audit, SeriesStore, Demo, Serving, Security, Injection); flags win over it." };
        var kafkaBootstrap = new Option<string?>("--kafka-bootstrap")
        {
            Description = "Kafka brokers, host:port[,host:port]. Default: an embedded mock cluster in this process (one machine only). Other librdkafka settings (TLS, SASL) go in the Kafka section of --config; secrets from files or environment.",
        };
        var stateDir = new Option<string>("--state-dir")
        {
            Description = "Directory for the audit spool, model snapshots and the embedded broker's address (kafka.bootstrap).",
            DefaultValueFactory = _ => ServeSettings.DefaultStateDirectory,
        };
        var logLevel = new Option<string>("--log-level")
        {
            Description = "Minimum log level: Trace, Debug, Information, Warning, Error.",
            DefaultValueFactory = _ => "Information",
        };
        var logFormat = new Option<string>("--log-format")
        {
            Description = "text or json.",
            DefaultValueFactory = _ => "text",
        };
        var clientCa = new Option<string?>("--client-ca-file") { Description = "Client certificates signed by this CA authenticate as their CN (user) and O (groups)." };
        var proxyCa = new Option<string?>("--requestheader-client-ca-file") { Description = "CA of the front proxy (kube-aggregator); enables X-Remote-User/Group headers from it." };
        var proxyNames = new Option<string[]>("--requestheader-allowed-names")
        {
            Description = "Front-proxy certificate CNs accepted (comma-separated); empty accepts any signed by the CA.",
            AllowMultipleArgumentsPerToken = true,
        };
        var anonymous = new Option<bool>("--anonymous-auth")
        {
            Description = "Treat requests without credentials as system:anonymous (else 401).",
            DefaultValueFactory = _ => true,
        };
        var allowGroups = new Option<string[]>("--authorization-always-allow-groups")
        {
            Description = "Groups allowed everything (comma-separated).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ["system:masters"],
        };
        var allowPaths = new Option<string[]>("--authorization-always-allow-paths")
        {
            Description = "Paths served without authentication; a trailing * matches a prefix (comma-separated).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [.. ServeSettings.DefaultAlwaysAllowPaths],
        };
        var kubeconfig = new Option<string?>("--kubeconfig")
        {
            Description = "kubeconfig for kube-apiserver (TokenReview, SubjectAccessReview, extension-apiserver-authentication); in a pod the service account is used.",
        };
        var skipLookup = new Option<bool>("--authentication-skip-lookup") { Description = "Do not read kube-system/extension-apiserver-authentication; use the flags only." };
        var sidecarImage = new Option<string?>("--sidecar-image") { Description = "Image of the injected predictor sidecar (default: the adapter's own image)." };
        var nativeSidecars = new Option<string?>("--native-sidecars") { Description = "Inject as a native sidecar: auto (from the version kube-apiserver reports, or --cluster-version), always or never." };
        nativeSidecars.AcceptOnlyFromAmong("auto", "always", "never");
        var clusterVersion = new Option<string?>("--cluster-version") { Description = "Kubernetes version of the cluster (e.g. 1.30) for --native-sidecars=auto, overriding what kube-apiserver reports." };
        var otlpEndpoint = new Option<string?>("--otlp-endpoint") { Description = "Also push our own metrics over OTLP to this collector (e.g. http://otel-collector:4317)." };
        var injectionFailure = new Option<string?>("--injection-failure") { Description = "When the injector fails on a pod: allow it unchanged (default) or deny it." };
        injectionFailure.AcceptOnlyFromAmong("allow", "deny");
        logFormat.AcceptOnlyFromAmong("text", "json");
        logLevel.AcceptOnlyFromAmong("Trace", "Debug", "Information", "Warning", "Error", "Critical");

        var command = new Command("serve", "Decide predicted_load and latency_anomaly_score from the observations on Kafka, record every decision on the audit topic, and serve them as external.metrics.k8s.io/v1beta1, with the sidecar injection webhook (POST /mutate), health and /metrics, over TLS until interrupted.")
        {
            listen, certFile, keyFile, demo, config, kafkaBootstrap, stateDir, logLevel, logFormat,
            clientCa, proxyCa, proxyNames, anonymous, allowGroups, allowPaths, kubeconfig, skipLookup,
            sidecarImage, nativeSidecars, clusterVersion, injectionFailure, otlpEndpoint,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!ListenAddress.TryParse(parse.GetValue(listen), out var endpoint, out var error))
            {
                await Console.Error.WriteLineAsync(error);
                return 2;
            }

            Uri? otlp = null;
            if (parse.GetValue(otlpEndpoint) is { } otlpText
                && (!Uri.TryCreate(otlpText, UriKind.Absolute, out otlp) || otlp.Scheme is not ("http" or "https")))
            {
                await Console.Error.WriteLineAsync($"--otlp-endpoint \"{otlpText}\" is not an http or https address such as http://otel-collector:4317");
                return 2;
            }

            var settings = new ServeSettings
            {
                OtlpEndpoint = otlp,
                Listen = endpoint,
                TlsCertFile = parse.GetValue(certFile),
                TlsKeyFile = parse.GetValue(keyFile),
                Demo = parse.GetValue(demo),
                KafkaBootstrap = parse.GetValue(kafkaBootstrap),
                StateDirectory = parse.GetValue(stateDir)!,
                ConfigFile = parse.GetValue(config)?.FullName,
                LogLevel = parse.GetValue(logLevel)!,
                JsonLogs = parse.GetValue(logFormat) == "json",
                ClientCaFile = parse.GetValue(clientCa),
                RequestHeaderClientCaFile = parse.GetValue(proxyCa),
                RequestHeaderAllowedNames = CliValues.SplitList(parse.GetValue(proxyNames)),
                AnonymousAuth = parse.GetValue(anonymous),
                AlwaysAllowGroups = CliValues.SplitList(parse.GetValue(allowGroups)),
                AlwaysAllowPaths = CliValues.SplitList(parse.GetValue(allowPaths)),
                Kubeconfig = parse.GetValue(kubeconfig),
                AuthenticationSkipLookup = parse.GetValue(skipLookup),
                SidecarImage = parse.GetValue(sidecarImage),
                NativeSidecars = parse.GetValue(nativeSidecars),
                ClusterVersion = parse.GetValue(clusterVersion),
                OnInjectionError = parse.GetValue(injectionFailure),
            };
            return await AdapterServer.RunAsync(settings, cancellationToken);
        });
        return command;
    }
}
