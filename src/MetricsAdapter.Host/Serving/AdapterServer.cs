using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MetricsAdapter.ApiServer.Discovery;
using MetricsAdapter.ApiServer.Errors;
using MetricsAdapter.ApiServer.Health;
using MetricsAdapter.ApiServer.Json;
using MetricsAdapter.ApiServer.Security;
using MetricsAdapter.ApiServer.Serving;
using MetricsAdapter.Bus;
using MetricsAdapter.Decisions;
using MetricsAdapter.ExternalMetrics;
using MetricsAdapter.ExternalMetrics.Http;
using MetricsAdapter.Injection;
using MetricsAdapter.Injection.Webhook;
using MetricsAdapter.Simulation.Demo;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace MetricsAdapter.Host.Serving;

/// <summary>Builds and runs the server process: wiring only.</summary>
public static partial class AdapterServer
{
    public static async Task<int> RunAsync(ServeSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        WebApplication app;
        try
        {
            app = Build(settings);
            await app.StartAsync(cancellationToken);
        }
#pragma warning disable CA1031 // Whatever stops the start is reported in one line and a non-zero exit, not a stack dump.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync($"metrics-adapter: cannot start: {exception.Message}");
            return 1;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MetricsAdapter.Host");
        LogServing(logger, settings.Listen, settings.Demo);
        await app.WaitForShutdownAsync(CancellationToken.None);
        await app.DisposeAsync();
        LogStopped(logger);
        return 0;
    }

    /// <summary>Builds the server. The hooks exist for benchmarks and tests; <c>serve</c> passes none.</summary>
    public static WebApplication Build(
        ServeSettings settings,
        Action<WebApplicationBuilder>? configureBuilder = null,
        Action<WebApplication>? configureEndpoints = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "metrics-adapter",
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (settings.ConfigFile is not null)
        {
            builder.Configuration.AddJsonFile(settings.ConfigFile, optional: false, reloadOnChange: false);
        }

        builder.Configuration.AddInMemoryCollection(settings.ToConfiguration());
        ConfigureLogging(builder, settings);
        builder.Host.ConfigureHostOptions(options => options.ShutdownTimeout = TimeSpan.FromSeconds(settings.Demo ? 20 : 10));

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<ServingOptions>()
            .BindConfiguration(ServingOptions.SectionName)
            .Validate(o => o.ReloadCheckInterval >= TimeSpan.FromSeconds(1) && o.ReloadCheckInterval <= TimeSpan.FromHours(1),
                "Serving:ReloadCheckInterval must be between 1 second and 1 hour")
            .ValidateOnStart();
        services.AddSingleton<ServingCertificateSource>();
        services.AddApiServerHealthChecks()
            .AddCheck<DecisionsHealthCheck>("decisions", tags: [KubernetesHealthEndpoints.ReadyTag])
            .AddCheck<AuditTrailHealthCheck>("audit-trail", tags: [KubernetesHealthEndpoints.ReadyTag]);
        services.AddKubernetesSecurity();
        services.AddAdapterTelemetry(settings.OtlpEndpoint);
        services.AddExternalMetrics();
        services.AddSidecarInjection();
        services.AddKafkaBus();
        services.AddDecisionManager();
        if (settings.Demo)
        {
            services.AddDemoWorkload(sp => DemoLaunchCommands.Create(() => sp.GetRequiredService<KafkaBootstrap>().Address));
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Selectors up to 8 KiB must reach us so we can answer them with a Status, not a bare 414.
            kestrel.Limits.MaxRequestLineSize = 16 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.Listen(settings.Listen, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                var certificates = kestrel.ApplicationServices.GetRequiredService<ServingCertificateSource>();
                // Per connection: the current certificate with its intermediates (rotation needs no restart). Client
                // certificates are asked for, not required, and verified by the authentication schemes against their CAs.
                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = certificates.CurrentContext,
                        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                        ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                        ClientCertificateRequired = true,
#pragma warning disable CA5359 // This callback sees the *client's* certificate, which the authentication schemes verify against their CAs.
                        RemoteCertificateValidationCallback = static (_, _, _, _) => true,
#pragma warning restore CA5359
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    }),
                });
            });
        });

        configureBuilder?.Invoke(builder);
        var app = builder.Build();
        app.UseKubernetesInternalErrors();
        app.UseRouting();
        app.UseKubernetesSecurity();
        app.MapKubernetesHealth();
        app.MapPrometheusScrapingEndpoint("/metrics").WithDisplayName("prometheus metrics");
        app.MapGet("/version", () => Results.Json(Version, ApiMachineryJsonContext.Wire.VersionInfo)).WithDisplayName("version");
        app.MapExternalMetricsApi();
        app.MapSidecarInjectionWebhook();
        configureEndpoints?.Invoke(app);
        app.MapKubernetesNotFound();
        return app;
    }

    private static VersionInfo Version { get; } = CreateVersion();

    private static VersionInfo CreateVersion()
    {
        var parts = Core.BuildVersion.Semantic.Split('.');
        return new VersionInfo(
            parts[0],
            parts.Length > 1 ? parts[1] : "0",
            "v" + Core.BuildVersion.Semantic,
            Core.BuildVersion.Revision,
            "clean",
            string.Empty,
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            "dotnet",
            $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription.Split(' ')[0].ToLowerInvariant()}/{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}");
    }

    private static void ConfigureLogging(WebApplicationBuilder builder, ServeSettings settings)
    {
        builder.Logging.ClearProviders();
        if (settings.JsonLogs)
        {
            builder.Logging.AddJsonConsole(options => options.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ");
        }
        else
        {
            builder.Logging.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.TimestampFormat = "HH:mm:ss ";
                options.UseUtcTimestamp = true;
            });
        }
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Stopped cleanly")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Serving https://{Listen} (demo workload: {Demo}); Ctrl-C stops")]
    private static partial void LogServing(ILogger logger, System.Net.IPEndPoint listen, bool demo);
}
