using System.Net;
using MetricsAdapter.Bus;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Sidecar.Intervals;
using MetricsAdapter.Sidecar.Scraping;
using MetricsAdapter.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.Sidecar;

/// <summary>The sidecar process: its loop, its publisher, and its own endpoints on <see cref="SidecarOptions.ListenPort"/>.</summary>
public static class SidecarHost
{
    public static WebApplication Build(SidecarOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "metrics-adapter-sidecar",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (options.ListenHost is "*" or "0.0.0.0" or "::")
            {
                kestrel.ListenAnyIP(options.ListenPort);
            }
            else if (IPAddress.TryParse(options.ListenHost, out var address))
            {
                kestrel.Listen(address, options.ListenPort);
            }
            else
            {
                kestrel.ListenLocalhost(options.ListenPort);
            }
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout + TimeSpan.FromSeconds(2));

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(timeProvider ?? TimeProvider.System);
        services.AddPrometheusExporter(new PrometheusExporterOptions { Meters = [SidecarTelemetry.MeterName, BusTelemetry.MeterName, "System.Runtime"] });
        services.AddSingleton<KafkaConnectivity>();
        services.AddSingleton<BusTelemetry>();
        services.AddSingleton<SidecarTelemetry>();
        services.AddSingleton(sp => new AppScraper(options, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(_ => new ObservationBuilder(
            options,
            options.HasIdentity ? ServiceKey.Create(options.Namespace, options.Service) : ServiceKey.Create("unknown", "unknown"),
            Detectors.Create(Detectors.Default)));
        services.AddSingleton(sp =>
        {
            var logger = sp.GetRequiredService<ILogger<BufferedObservationPublisher>>();
            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            try
            {
                var secret = KafkaSecretFolder.Read(options.KafkaSecretDirectory);
                foreach (var (name, value) in secret.Settings)
                {
                    settings[name] = value;
                }

                if (secret.Ignored.Count > 0)
                {
                    SidecarHostLog.SecretKeysIgnored(logger, options.KafkaSecretDirectory, string.Join(", ", secret.Ignored));
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                SidecarHostLog.SecretUnreadable(logger, options.KafkaSecretDirectory, exception.Message);
            }

            settings["bootstrap.servers"] = options.KafkaBootstrap;
            var publisher = new BufferedObservationPublisher(
                settings, options.ObservationsTopic, options.BufferCapacity, maxInFlight: 32, deliveryTimeout: TimeSpan.FromSeconds(10),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<BusTelemetry>(), sp.GetRequiredService<KafkaConnectivity>(), logger);
            sp.GetRequiredService<SidecarTelemetry>().Observe(publisher);
            return publisher;
        });
        services.AddSingleton<SidecarLoop>();
        services.AddHostedService(sp => sp.GetRequiredService<SidecarLoop>());
        if (options.ExitWithParent)
        {
            services.AddHostedService<ParentWatch>();
        }

        var app = builder.Build();
        _ = app.Services.GetRequiredService<PrometheusExporter>();

        // Liveness says only that the loop goes round: never that the app or Kafka is down, which a restart cannot fix.
        IResult Live(SidecarLoop loop, TimeProvider clock) =>
            loop.IsAlive(clock.GetUtcNow()) ? Results.Text("ok\n") : Results.Text("the scrape loop is stuck\n", statusCode: 503);
        app.MapGet("/healthz", Live);
        app.MapGet("/livez", Live);

        // Readiness always passes: as a native sidecar, a failing probe would take the app out of its Service.
        app.MapGet("/readyz", () => Results.Text("ok\n"));
        app.MapGet("/version", () => Results.Text(Core.BuildVersion.Semantic + "\n"));
        app.MapPrometheusMetrics();
        return app;
    }

    /// <summary>Stops the sidecar when its standard input closes: the supervising parent has gone (the demo).</summary>
    private sealed class ParentWatch(IHostApplicationLifetime lifetime) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var input = Console.OpenStandardInput();
            var buffer = new byte[64];
            try
            {
                while (await input.ReadAsync(buffer, stoppingToken).ConfigureAwait(false) > 0)
                {
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lifetime.StopApplication();
        }
    }
}

internal static partial class SidecarHostLog
{
    [LoggerMessage(EventId = 7101, Level = LogLevel.Error, Message = "The Kafka Secret in {Directory} cannot be read ({Reason}); connecting without its settings")]
    public static partial void SecretUnreadable(ILogger logger, string directory, string reason);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Keys of the Kafka Secret in {Directory} that are no Kafka setting the sidecar knows, ignored: {Keys}")]
    public static partial void SecretKeysIgnored(ILogger logger, string directory, string keys);
}
