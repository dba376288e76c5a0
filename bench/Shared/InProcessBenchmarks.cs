using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace MetricsAdapter.Bench;

/// <summary>How every BenchmarkDotNet project here runs: in-process, 3 warm-up and 12 measured iterations.</summary>
internal static class InProcessBenchmarks
{
    /// <summary>Runs the benchmarks of <paramref name="assemblyOf"/>'s assembly selected by <paramref name="args"/>.</summary>
    public static void Run(Type assemblyOf, string[] args)
    {
        // In-process: BenchmarkDotNet 0.14 (the newest the package mirror serves) predates net10.0 project generation.
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(12))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkSwitcher.FromAssembly(assemblyOf.Assembly).Run(args, config);
    }
}
