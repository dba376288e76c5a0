using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Sidecar;

if (args is ["--version"] or ["version"])
{
    Console.WriteLine(SidecarVersion.Value);
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
await using var app = SidecarHost.Build(options);
await app.RunAsync();
return 0;
