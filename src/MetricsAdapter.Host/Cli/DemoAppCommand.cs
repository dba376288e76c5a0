using System.CommandLine;
using MetricsAdapter.Host.Serving;
using MetricsAdapter.Simulation.Demo;
using MetricsAdapter.Core.Quantities;

namespace MetricsAdapter.Host.Cli;

/// <summary><c>demo-app</c>: the demo's app, every demo pod's Prometheus metrics on its own path (what the demo's sidecars scrape).</summary>
internal static class DemoAppCommand
{
    public static Command Create()
    {
        var defaults = new DemoWorkloadOptions();
        var listen = new Option<string>("--listen") { Description = "Address to serve plain HTTP on.", DefaultValueFactory = _ => "127.0.0.1:8080" };
        var ns = new Option<string>("--namespace") { Description = "Namespace of the demo services.", DefaultValueFactory = _ => defaults.Namespace };
        var pods = new Option<int>("--pods-per-service") { Description = "Pods per service (1–20).", DefaultValueFactory = _ => defaults.PodsPerService };
        var dayLength = new Option<string>("--day-length") { Description = "Length of one simulated day (e.g. 1h).", DefaultValueFactory = _ => "1h" };
        var surgeEvery = new Option<string>("--surge-every") { Description = "Mean time between surges of one service (e.g. 10m).", DefaultValueFactory = _ => "10m" };
        var seed = new Option<int>("--seed") { Description = "Seed of the surge schedule and noise.", DefaultValueFactory = _ => defaults.Seed };
        var exitWithParent = new Option<bool>("--exit-with-parent") { Description = "Exit when standard input closes (run by serve --demo)." };
        var command = new Command("demo-app", "Serve the demo pods' Prometheus metrics (GET /pods/<pod>/metrics; GET / lists the pods): request counters by status code and latency histograms whose latency rises with load.")
        {
            listen, ns, pods, dayLength, surgeEvery, seed, exitWithParent,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!ListenAddress.TryParse(parse.GetValue(listen), out var endpoint, out var error))
            {
                return await CliOutput.FailAsync(error, 2);
            }

            if (!DurationText.TryParse(parse.GetValue(dayLength)!, DurationText.UpToDays, out var day)
                || !DurationText.TryParse(parse.GetValue(surgeEvery)!, DurationText.UpToDays, out var surges))
            {
                return await CliOutput.FailAsync("--day-length and --surge-every take durations such as 90s, 10m, 1h", 2);
            }

            var options = defaults with
            {
                Namespace = parse.GetValue(ns)!,
                PodsPerService = parse.GetValue(pods),
                DayLength = day,
                MeanTimeBetweenSurges = surges,
                Seed = parse.GetValue(seed),
            };
            var problems = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
            if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), problems, validateAllProperties: true))
            {
                return await CliOutput.FailAsync(string.Join("; ", problems.Select(p => p.ErrorMessage)), 2);
            }

            return await DemoAppServer.RunAsync(endpoint, options, parse.GetValue(exitWithParent), cancellationToken);
        });
        return command;
    }
}
