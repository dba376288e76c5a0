using MetricsAdapter.ApiServer.Errors;
using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Quantities;
using MetricsAdapter.ExternalMetrics.Http;
using MetricsAdapter.ExternalMetrics.Provider;
using MetricsAdapter.Core.Series;
using MetricsAdapter.ExternalMetrics.Store;
using MetricsAdapter.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.ExternalMetrics.Tests.Http;

/// <summary>The external metrics API over an in-memory test server, with a manual clock and a seeded store.</summary>
internal sealed class TestApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestApiHost(WebApplication app, InMemorySeriesStore store, ManualTimeProvider clock)
    {
        _app = app;
        Store = store;
        Clock = clock;
        Client = app.GetTestClient();
    }

    public InMemorySeriesStore Store { get; }

    public ManualTimeProvider Clock { get; }

    public HttpClient Client { get; }

    public static async Task<TestApiHost> StartAsync(IExternalMetricsProvider? provider = null)
    {
        var clock = new ManualTimeProvider();
        var store = new InMemorySeriesStore(ServedMetrics.All, new SeriesStoreOptions(), clock);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(provider ?? store);
        builder.Services.AddExternalMetricsEndpoints();
        var app = builder.Build();
        app.UseKubernetesInternalErrors();
        app.UseRouting();
        app.MapExternalMetricsApi();
        app.MapKubernetesNotFound();
        await app.StartAsync();
        return new TestApiHost(app, store, clock);
    }

    /// <summary>Writes a value computed <paramref name="age"/> before now.</summary>
    public void Seed(string metric, string @namespace, string labels, string value, TimeSpan? age = null, TimeSpan? window = null)
    {
        var set = labels.Length == 0
            ? LabelSet.Empty
            : LabelSet.Create(labels.Split(',').Select(pair => pair.Split('=')).Select(kv => new KeyValuePair<string, string>(kv[0], kv[1])));
        var result = Store.Write(new SeriesPoint(metric, @namespace, set, Quantity.Parse(value), Clock.GetUtcNow() - (age ?? TimeSpan.Zero), window));
        if (result is not (SeriesWriteResult.Created or SeriesWriteResult.Updated))
        {
            throw new InvalidOperationException($"seed {metric}/{@namespace}/{labels}: {result}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
