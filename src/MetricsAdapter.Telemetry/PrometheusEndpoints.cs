using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MetricsAdapter.Telemetry;

public static class PrometheusEndpoints
{
    /// <summary>Registers the exporter; it starts collecting when first resolved, so resolve it at start-up.</summary>
    public static IServiceCollection AddPrometheusExporter(this IServiceCollection services, PrometheusExporterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMetrics();
        services.TryAddSingleton(options ?? new PrometheusExporterOptions());
        services.TryAddSingleton<PrometheusExporter>();
        return services;
    }

    /// <summary>GET <paramref name="path"/> answers the Prometheus text format.</summary>
    public static IEndpointConventionBuilder MapPrometheusMetrics(this IEndpointRouteBuilder endpoints, string path = "/metrics")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapGet(path, (HttpContext context) =>
        {
            var exporter = context.RequestServices.GetRequiredService<PrometheusExporter>();
            context.Response.ContentType = PrometheusExporter.ContentType;
            context.Response.Headers.CacheControl = "no-cache, private";
            return context.Response.WriteAsync(exporter.Scrape(), context.RequestAborted);
        }).WithDisplayName("prometheus metrics");
    }
}
