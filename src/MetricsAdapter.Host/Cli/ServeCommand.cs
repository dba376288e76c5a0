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
        var demo = new Option<bool>("--demo") { Description = "Feed the built-in demo workload (namespace demo: checkout, frontend, search)." };
        var config = new Option<FileInfo?>("--config") { Description = "JSON file of option sections (SeriesStore, Demo, Serving); flags win over it." };
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
        logFormat.AcceptOnlyFromAmong("text", "json");
        logLevel.AcceptOnlyFromAmong("Trace", "Debug", "Information", "Warning", "Error", "Critical");

        var command = new Command("serve", "Serve external.metrics.k8s.io/v1beta1 (and health and /metrics) over TLS until interrupted.")
        {
            listen, certFile, keyFile, demo, config, logLevel, logFormat,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!ListenAddress.TryParse(parse.GetValue(listen), out var endpoint, out var error))
            {
                await Console.Error.WriteLineAsync(error);
                return 2;
            }

            var settings = new ServeSettings
            {
                Listen = endpoint,
                TlsCertFile = parse.GetValue(certFile),
                TlsKeyFile = parse.GetValue(keyFile),
                Demo = parse.GetValue(demo),
                ConfigFile = parse.GetValue(config)?.FullName,
                LogLevel = parse.GetValue(logLevel)!,
                JsonLogs = parse.GetValue(logFormat) == "json",
            };
            return await AdapterServer.RunAsync(settings, cancellationToken);
        });
        return command;
    }
}
