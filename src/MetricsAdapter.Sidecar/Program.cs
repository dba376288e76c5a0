using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Sidecar;
using Microsoft.Extensions.Hosting;

if (args is ["--version"] or ["version"])
{
    Console.WriteLine(MetricsAdapter.Core.BuildVersion.Semantic);
    return 0;
}

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine($"usage: metrics-adapter-sidecar {SidecarContract.Verb} [{SidecarContract.ListenFlag}=[host]:port] [--exit-with-parent]");
    Console.WriteLine("Settings come from the environment the injection webhook writes; see the README (The predictor sidecar).");
    return 0;
}

// Never exits on bad settings: a crash-looping native sidecar would keep the app's pod from running.
var options = SidecarOptions.Read(args, Environment.GetEnvironmentVariable);
var app = SidecarHost.Build(options);
try
{
    await app.StartAsync();
}
catch (IOException exception)
{
    // The port is taken (an app's own exporter on 9464, say): keep publishing, on a port of the kernel's choice.
    await app.DisposeAsync();
    options = options with
    {
        ListenPort = 0,
        Problems = [.. options.Problems, $"cannot listen on port {options.ListenPort} ({exception.Message}): /healthz and /metrics are on a free port instead, and a liveness probe on {options.ListenPort} fails"],
    };
    app = SidecarHost.Build(options);
    await app.StartAsync();
}

await app.WaitForShutdownAsync();
await app.DisposeAsync();
return 0;
