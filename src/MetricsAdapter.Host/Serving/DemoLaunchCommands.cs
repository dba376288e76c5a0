using MetricsAdapter.Simulation.Demo;

namespace MetricsAdapter.Host.Serving;

/// <summary>Where the demo's child programs are: this program (its <c>demo-app</c> verb) and the sidecar built beside it.</summary>
internal static class DemoLaunchCommands
{
    /// <summary>Overrides the sidecar program, e.g. the Native AOT build: <c>METRICS_ADAPTER_DEMO_SIDECAR=.build/sidecar-aot/metrics-adapter-sidecar</c>.</summary>
    public const string SidecarOverride = "METRICS_ADAPTER_DEMO_SIDECAR";

    public static DemoLaunch Create(Func<string> kafkaBootstrap)
    {
        var directory = AppContext.BaseDirectory;
        var dotnet = DotnetHost();
        var self = Path.Combine(directory, "metrics-adapter.dll");
        var sidecar = Environment.GetEnvironmentVariable(SidecarOverride) is { Length: > 0 } custom
            ? new ChildCommand(Path.GetFullPath(custom), [])
            : new ChildCommand(dotnet, [Path.Combine(directory, "metrics-adapter-sidecar.dll")]);
        return new DemoLaunch(new ChildCommand(dotnet, [self]), sidecar, kafkaBootstrap);
    }

    /// <summary>The <c>dotnet</c> host running this process, else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
}
