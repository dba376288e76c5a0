using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace MetricsAdapter.Host.Serving;

/// <summary>
/// The adapter's own telemetry through the OpenTelemetry SDK: our meters, ASP.NET Core and Kestrel, HttpClient (the
/// calls to kube-apiserver), the .NET runtime; exposed for Prometheus on <c>/metrics</c> and, with
/// <c>--otlp-endpoint</c>, pushed over OTLP as well. Names follow the exporter's Prometheus conventions: dots become
/// underscores, counters end in <c>_total</c>, units become suffixes (<c>_seconds</c>, <c>_bytes</c>).
/// </summary>
internal static class AdapterTelemetry
{
    public const string ServiceName = "metrics-adapter";

    /// <summary>Request latency in sub-millisecond steps: this server answers in tens of microseconds.</summary>
    private static readonly double[] RequestDurationBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public static IServiceCollection AddAdapterTelemetry(this IServiceCollection services, Uri? otlpEndpoint)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: Core.BuildVersion.Semantic))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter("MetricsAdapter.*")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddView("http.server.request.duration", new ExplicitBucketHistogramConfiguration { Boundaries = RequestDurationBuckets })

                    // Prometheus reserves a _count suffix for histograms and summaries (promtool flags these gauges).
                    .AddView("dotnet.assembly.count", "dotnet.assemblies.loaded")
                    .AddView("dotnet.process.cpu.count", "dotnet.process.cpus")
                    .AddView("dotnet.timer.count", "dotnet.timers")
                    .AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0);
                if (otlpEndpoint is not null)
                {
                    metrics.AddOtlpExporter(options => options.Endpoint = otlpEndpoint);
                }
            });
        return services;
    }
}
