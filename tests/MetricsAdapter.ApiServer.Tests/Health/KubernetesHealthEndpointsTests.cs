using MetricsAdapter.ApiServer.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.ApiServer.Tests.Health;

public sealed class KubernetesHealthEndpointsTests
{
    private static async Task<WebApplication> StartAsync(bool ready)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddHealthChecks()
            .AddCheck("ping", () => HealthCheckResult.Healthy(), [KubernetesHealthEndpoints.LiveTag, KubernetesHealthEndpoints.ReadyTag])
            .AddCheck("informer-sync", () => ready ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("not synced"), [KubernetesHealthEndpoints.ReadyTag]);
        var app = builder.Build();
        app.MapKubernetesHealth();
        await app.StartAsync();
        return app;
    }

    [Theory]
    [InlineData(true, "/readyz", 200, "ok")]
    [InlineData(true, "/readyz?verbose", 200, "[+]informer-sync ok\n[+]ping ok\nreadyz check passed\n")]
    [InlineData(false, "/readyz", 500, "[-]informer-sync failed: not synced\n[+]ping ok\nreadyz check failed\n")]
    [InlineData(false, "/readyz?exclude=informer-sync", 200, "ok")]
    [InlineData(false, "/livez", 200, "ok")]
    [InlineData(false, "/healthz", 500, "[-]informer-sync failed: not synced\n[+]ping ok\nhealthz check failed\n")]
    [InlineData(false, "/readyz/ping", 200, "ok")]
    [InlineData(false, "/readyz/informer-sync", 500, "[-]informer-sync failed: not synced\nreadyz check failed\n")]
    [InlineData(true, "/readyz/nope", 404, "no such check \"nope\" under /readyz\n")]
    public async Task Endpoint_AnswersLikeKubernetesComponents(bool ready, string path, int status, string body)
    {
        await using var app = await StartAsync(ready);
        using var client = app.GetTestClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
    }
}
