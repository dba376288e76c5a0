using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MetricsAdapter.Core.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.Simulation.Demo;

/// <summary>A program to start: its file and the arguments before the ones the supervisor adds.</summary>
public sealed record ChildCommand(string FileName, IReadOnlyList<string> Arguments);

/// <summary>How the demo's processes are started: the demo app, the sidecar, and the broker the sidecars publish to.</summary>
/// <param name="DemoApp">Runs the <c>demo-app</c> verb (the supervisor adds <c>demo-app --listen … --exit-with-parent</c> and the workload's flags).</param>
/// <param name="Sidecar">Runs the predictor sidecar (the supervisor adds <c>sidecar --listen=… --exit-with-parent</c>).</param>
/// <param name="KafkaBootstrap">Where the sidecars publish.</param>
public sealed record DemoLaunch(ChildCommand DemoApp, ChildCommand Sidecar, Func<string> KafkaBootstrap);

/// <summary>
/// Runs the demo as a cluster would: the demo app (every pod's metrics endpoint) and one predictor sidecar process per
/// demo pod, each scraping its pod's endpoint and publishing observation v1 on Kafka, exactly as injected sidecars do.
/// The supervisor restarts a child that exits (with a back-off), and stops every child when it stops: first by closing
/// their standard input (they exit cleanly, the sidecars with a last <c>pod-stopping</c> observation), then by killing
/// what is left. Children also exit when their standard input closes because this process died, so none is left behind.
/// </summary>
public sealed partial class DemoProcesses(
    IOptions<DemoWorkloadOptions> options,
    DemoLaunch launch,
    TimeProvider timeProvider,
    ILogger<DemoProcesses> logger) : BackgroundService
{
    private static readonly TimeSpan GracefulStop = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var demo = options.Value;
        var app = new DemoApp(demo, timeProvider);
        var appPort = FreePort().ToString(CultureInfo.InvariantCulture);
        var appChild = new Child("demo-app", launch.DemoApp,
            [
                "demo-app", "--listen", $"127.0.0.1:{appPort}", "--exit-with-parent",
                "--namespace", demo.Namespace,
                "--pods-per-service", demo.PodsPerService.ToString(CultureInfo.InvariantCulture),
                "--day-length", Seconds(demo.DayLength),
                "--surge-every", Seconds(demo.MeanTimeBetweenSurges),
                "--seed", demo.Seed.ToString(CultureInfo.InvariantCulture),
            ],
            new Dictionary<string, string>());
        var children = new List<Child> { appChild };
        var bootstrap = launch.KafkaBootstrap();
        foreach (var pod in app.Pods)
        {
            var port = FreePort();
            children.Add(new Child($"sidecar {pod.Name}", launch.Sidecar,
                [SidecarContract.Verb, $"{SidecarContract.ListenFlag}=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--exit-with-parent"],
                new Dictionary<string, string>
                {
                    [SidecarContract.PodName] = pod.Name,
                    [SidecarContract.PodNamespace] = pod.Namespace,
                    [SidecarContract.NodeName] = pod.Node,
                    [SidecarContract.Service] = pod.Service.Name,
                    [SidecarContract.ScrapePort] = appPort,
                    [SidecarContract.ScrapePath] = pod.MetricsPath,
                    [SidecarContract.KafkaBootstrap] = bootstrap,
                    ["METRICS_ADAPTER_SCRAPE_INTERVAL"] = Seconds(demo.PublishInterval),
                }));
        }

        LogStarting(logger, children.Count - 1, demo.Namespace, appPort, bootstrap);

        // The app stops after the sidecars, so that their last scrape still reaches it.
        using var appStopping = new CancellationTokenSource();
        var appRun = SuperviseAsync(appChild, appStopping.Token);
        await Task.WhenAll(children.Skip(1).Select(child => SuperviseAsync(child, stoppingToken))).ConfigureAwait(false);
        await appStopping.CancelAsync().ConfigureAwait(false);
        await appRun.ConfigureAwait(false);
    }

    private async Task SuperviseAsync(Child child, CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = timeProvider.GetUtcNow();
            int exitCode;
            try
            {
                exitCode = await child.RunAsync(logger, stoppingToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // One child's failure must never take the adapter down: it is logged and the child retried.
            catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
            {
                LogCannotStart(logger, child.Name, exception.Message);
                exitCode = -1;
            }

            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            // A child that ran for a while earns a fresh back-off; one that keeps failing waits longer each time.
            backoff = timeProvider.GetUtcNow() - started > TimeSpan.FromMinutes(1) ? TimeSpan.FromSeconds(1) : backoff;
            LogRestarting(logger, child.Name, exitCode, backoff);
            try
            {
                await Task.Delay(backoff, timeProvider, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        }
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s";

    /// <summary>A free loopback port (the kernel's choice, released at once for the child to bind).</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Child(string name, ChildCommand command, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        public string Name { get; } = name;

        public async Task<int> RunAsync(ILogger logger, CancellationToken stoppingToken)
        {
            var start = new ProcessStartInfo(command.FileName)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in command.Arguments.Concat(arguments))
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }

            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, line) => Forward(logger, line.Data);
            process.ErrorDataReceived += (_, line) => Forward(logger, line.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await process.WaitForExitAsync(stoppingToken).ConfigureAwait(false);
                return process.ExitCode;
            }
            catch (OperationCanceledException)
            {
                await StopAsync(process).ConfigureAwait(false);
                return 0;
            }
        }

        /// <summary>Closing standard input asks the child to stop cleanly; past the grace period it is killed.</summary>
        private static async Task StopAsync(Process process)
        {
            try
            {
                process.StandardInput.Close();
                using var grace = new CancellationTokenSource(GracefulStop);
                await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or InvalidOperationException or IOException)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
            }
        }

        private void Forward(ILogger logger, string? line)
        {
            if (string.IsNullOrEmpty(line))
            {
                return;
            }

            var level = line.Contains(" warn: ", StringComparison.Ordinal) ? LogLevel.Warning
                : line.Contains(" fail: ", StringComparison.Ordinal) || line.Contains(" crit: ", StringComparison.Ordinal) ? LogLevel.Error
                : LogLevel.Debug;
            LogChild(logger, level, Name, line);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "Demo: starting the demo app and {Sidecars} predictor sidecar processes (namespace {Namespace}, app on 127.0.0.1:{AppPort}, Kafka {Bootstrap})")]
    private static partial void LogStarting(ILogger logger, int sidecars, string @namespace, string appPort, string bootstrap);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Demo: {Child} exited with code {ExitCode}; restarting in {Backoff}")]
    private static partial void LogRestarting(ILogger logger, string child, int exitCode, TimeSpan backoff);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Demo: {Child} cannot start: {Reason}")]
    private static partial void LogCannotStart(ILogger logger, string child, string reason);

    [LoggerMessage(EventId = 3004, Message = "[{Child}] {Line}")]
    private static partial void LogChild(ILogger logger, LogLevel level, string child, string line);
}
