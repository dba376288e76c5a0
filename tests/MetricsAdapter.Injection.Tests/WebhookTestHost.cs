using MetricsAdapter.ApiServer.Errors;
using MetricsAdapter.Injection.Policy;
using MetricsAdapter.Injection.Webhook;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.Injection.Tests;

/// <summary>The webhook endpoint over an in-memory server, with options as configuration would give them.</summary>
internal sealed class WebhookTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookTestHost(WebApplication app)
    {
        _app = app;
        Client = app.GetTestClient();
    }

    public HttpClient Client { get; }

    /// <summary>Test defaults: a 1.30 cluster (native sidecars), overridden per case.</summary>
    public static IReadOnlyDictionary<string, string?> BaseOptions { get; } = new Dictionary<string, string?>
    {
        ["Injection:ClusterVersion"] = "1.30",
    };

    public static async Task<WebhookTestHost> StartAsync(IReadOnlyDictionary<string, string?>? overrides = null, IInjectionPolicy? policy = null, TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(BaseOptions);
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        builder.Services.AddSidecarInjection();
        if (policy is not null)
        {
            builder.Services.AddSingleton(policy);
        }

        var app = builder.Build();
        app.UseKubernetesInternalErrors();
        app.UseRouting();
        app.MapSidecarInjectionWebhook();
        app.MapKubernetesNotFound();
        await app.StartAsync();
        return new WebhookTestHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
