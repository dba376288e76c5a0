using System.Globalization;
using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Quantities;
using MetricsAdapter.Core.Series;
using MetricsAdapter.ExternalMetrics;
using MetricsAdapter.ExternalMetrics.Store;
using MetricsAdapter.Host.Serving;

// bench-api server: the production pipeline (TLS, security, telemetry, API) with N synthetic series in the store,
// spread over 20 namespaces and both metrics, plus /bench/empty, which reads the request and answers 200: the ceiling.
// Used by `make bench-api` and `make bench-webhook`.
// Anonymous requests are allowed (system:unauthenticated) because wrk cannot present client certificates.
var listen = args.Length > 0 ? args[0] : "127.0.0.1:7443";
var series = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
var certificate = args.Length > 2 ? args[2] : null;
var key = args.Length > 3 ? args[3] : null;
if (!ListenAddress.TryParse(listen, out var endpoint, out var error))
{
    Console.Error.WriteLine(error);
    return 2;
}

var settings = new ServeSettings
{
    Listen = endpoint,
    TlsCertFile = certificate,
    TlsKeyFile = key,
    LogLevel = "Warning",
    AlwaysAllowGroups = ["system:masters", "system:unauthenticated"],
    ClusterVersion = "1.30",
};
var app = AdapterServer.Build(
    settings,
    builder => builder.Configuration.AddInMemoryCollection([new("SeriesStore:StaleAfter", "1.00:00:00")]),
    endpoints => endpoints.Map("/bench/empty", async (HttpContext context) =>
    {
        // The ceiling for any endpoint: receive the request (a POST handler must consume its body), answer 200.
        await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
        return Results.Ok();
    }));

var writer = app.Services.GetRequiredService<ISeriesWriter>();
var now = TimeProvider.System.GetUtcNow();
var random = new Random(1);
const int Namespaces = 20;
var perNamespace = series / Namespaces / 2;
for (var n = 0; n < Namespaces; n++)
{
    for (var s = 0; s < perNamespace; s++)
    {
        var labels = LabelSet.Create(("service", $"svc-{s}"), ("tier", s % 3 == 0 ? "web" : "api"), ("region", s % 2 == 0 ? "eu" : "us"));
        writer.Write(new SeriesPoint(ServedMetrics.PredictedLoadName, $"ns-{n}", labels, Quantity.FromDouble(random.NextDouble() * 1000), now, TimeSpan.FromMinutes(2)));
        writer.Write(new SeriesPoint(ServedMetrics.LatencyAnomalyScoreName, $"ns-{n}", labels, Quantity.FromDouble(random.NextDouble()), now, TimeSpan.FromMinutes(1)));
    }
}

Console.WriteLine($"bench-api server on https://{listen} with {app.Services.GetRequiredService<InMemorySeriesStore>().SeriesCount} series");
await app.RunAsync();
return 0;
