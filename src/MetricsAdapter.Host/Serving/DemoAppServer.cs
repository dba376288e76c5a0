using System.Net;
using MetricsAdapter.Simulation.Demo;

namespace MetricsAdapter.Host.Serving;

/// <summary>The demo app's HTTP server: wiring of <see cref="DemoApp"/> to plain-HTTP endpoints.</summary>
internal static class DemoAppServer
{
    public static async Task<int> RunAsync(IPEndPoint listen, DemoWorkloadOptions options, bool exitWithParent, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "metrics-adapter-demo-app", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(listen);
        });
        builder.Services.AddSingleton(new DemoApp(options, TimeProvider.System));
        await using var app = builder.Build();
        app.MapGet("/", (DemoApp demo) => Results.Text(string.Join('\n', demo.Pods.Select(p => $"{p.Namespace}/{p.Service.Name} {p.Name} {p.MetricsPath}")) + "\n"));
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/pods/{pod}/metrics", (string pod, DemoApp demo) =>
            demo.TryRender(pod, out var exposition)
                ? Results.Text(exposition, "text/plain; version=0.0.4; charset=utf-8")
                : Results.Text($"no demo pod {pod}\n", statusCode: StatusCodes.Status404NotFound));
        await app.StartAsync(cancellationToken);
        if (exitWithParent)
        {
            _ = WatchParentAsync(app.Lifetime);
        }

        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    /// <summary>Standard input closes when the supervising process goes away, however it went.</summary>
    private static async Task WatchParentAsync(IHostApplicationLifetime lifetime)
    {
        await using var input = Console.OpenStandardInput();
        var buffer = new byte[64];
        while (await input.ReadAsync(buffer) > 0)
        {
        }

        lifetime.StopApplication();
    }
}
