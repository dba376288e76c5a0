using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MetricsAdapter.ApiServer.Health;

/// <summary>
/// <c>/healthz</c>, <c>/livez</c> and <c>/readyz</c> as Kubernetes components answer them: <c>ok</c> with 200, or
/// 500 naming the failed checks; <c>?verbose</c> lists every check (<c>[+]ping ok</c>, and why for a degraded one); <c>?exclude=name</c>
/// skips one; <c>/readyz/&lt;check&gt;</c> runs one. Checks are ASP.NET health checks tagged <c>live</c> or
/// <c>ready</c>; <c>/healthz</c> runs both. These paths are always served without authentication.
/// </summary>
public static class KubernetesHealthEndpoints
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    public static IEndpointRouteBuilder MapKubernetesHealth(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        Map(endpoints, "/healthz", static tags => tags.Contains(LiveTag) || tags.Contains(ReadyTag));
        Map(endpoints, "/livez", static tags => tags.Contains(LiveTag));
        Map(endpoints, "/readyz", static tags => tags.Contains(ReadyTag));
        return endpoints;
    }

    private static void Map(IEndpointRouteBuilder endpoints, string path, Func<ISet<string>, bool> selects)
    {
        endpoints.MapGet(path, context => Answer(context, path, selects, only: null)).WithDisplayName(path);
        endpoints.MapGet(path + "/{check}", context => Answer(context, path, selects, (string)context.Request.RouteValues["check"]!))
            .WithDisplayName(path + "/<check>");
    }

    private static async Task Answer(HttpContext context, string path, Func<ISet<string>, bool> selects, string? only)
    {
        var service = context.RequestServices.GetRequiredService<HealthCheckService>();
        var excluded = context.Request.Query["exclude"].Where(v => v is not null).Select(v => v!).ToHashSet(StringComparer.Ordinal);
        var report = await service.CheckHealthAsync(
            registration => selects(registration.Tags)
                && !excluded.Contains(registration.Name)
                && (only is null || string.Equals(registration.Name, only, StringComparison.Ordinal)),
            context.RequestAborted);

        var response = context.Response;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-cache, private";
        response.Headers["X-Content-Type-Options"] = "nosniff";
        if (only is not null && report.Entries.Count == 0)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            await response.WriteAsync($"no such check \"{Status.StatusErrors.Printable(only)}\" under {path}\n", context.RequestAborted);
            return;
        }

        var healthy = report.Entries.Values.All(e => e.Status != HealthStatus.Unhealthy);
        var verbose = context.Request.Query.ContainsKey("verbose") || !healthy;
        response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError;
        if (!verbose)
        {
            await response.WriteAsync("ok", context.RequestAborted);
            return;
        }

        var text = new StringBuilder();
        foreach (var (name, entry) in report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.Append(entry.Status == HealthStatus.Unhealthy ? "[-]" : "[+]").Append(name)
                .Append(entry.Status switch
                {
                    HealthStatus.Unhealthy => $" failed: {entry.Description ?? "reason withheld"}",
                    // Degraded passes (a check that must never fail readiness) but says why it is not fine.
                    HealthStatus.Degraded => $" ok, degraded: {entry.Description ?? "reason withheld"}",
                    _ => " ok",
                })
                .Append('\n');
        }

        foreach (var name in excluded.Order(StringComparer.Ordinal))
        {
            text.Append("[+]").Append(name).Append(" excluded: ok\n");
        }

        var label = path.TrimStart('/');
        text.Append(healthy ? $"{label} check passed\n" : $"{label} check failed\n");
        await response.WriteAsync(text.ToString(), context.RequestAborted);
    }
}
