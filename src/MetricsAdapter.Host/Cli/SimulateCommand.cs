using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MetricsAdapter.Prediction.Evaluation;
using MetricsAdapter.Simulation.Hpa;
using MetricsAdapter.Simulation.Replay;
using MetricsAdapter.Core.Quantities;

namespace MetricsAdapter.Host.Cli;

/// <summary>
/// <c>simulate</c>: a trace replayed through the cluster model, the real decision manager and the HPA model, per policy;
/// <c>simulate hpa</c>: a recording of the real HPA controller replayed through the HPA model alone. Tables go to stdout,
/// progress to stderr; with <c>--json</c> the last line of stdout is one JSON object.
/// </summary>
internal static class SimulateCommand
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var trace = new Option<string?>("--trace") { Description = "A timestamp,value CSV (value = requests in the interval)." };
        var policy = new Option<string>("--policy") { Description = "reactive, reactive-rps, predictive, oracle or all.", DefaultValueFactory = _ => "all" };
        policy.AcceptOnlyFromAmong([.. Policies.All, "all"]);
        var hpa = new Option<FileInfo?>("--hpa") { Description = "An autoscaling/v2 HPA (YAML or JSON): its bounds and behavior apply to every policy, its predicted_load/latency_anomaly_score metrics to the predictive one." };
        var json = new Option<bool>("--json") { Description = "Also print the results as one JSON object, the last line of stdout." };
        var plot = new Option<FileInfo?>("--plot") { Description = "Write an SVG of load, forecast and replicas per policy." };
        var peakPods = new Option<int?>("--peak-pods") { Description = "Scale the load so that its peak needs this many pods at the target utilisation (default 40)." };
        var startup = new Option<string?>("--startup-delay") { Description = "From pod creation to its first served request (default 90s)." };
        var capacity = new Option<double?>("--pod-capacity") { Description = "Requests/s one pod serves at 100% (default 100)." };
        var slo = new Option<string?>("--slo") { Description = "p95 latency objective (default 300ms)." };
        var target = new Option<double?>("--target-utilization") { Description = "Utilisation every policy aims at (default 0.7)." };
        var horizon = new Option<string?>("--horizon") { Description = "Forecast horizon of the decision manager and the oracle (default 2m)." };
        var quantile = new Option<double?>("--quantile") { Description = "Upper quantile of predicted_load (default 0.9, the decision manager's default)." };
        var maxDays = new Option<double?>("--max-days") { Description = "Only the first N days of the trace (default 90)." };
        var release = new Option<string>("--controller-release") { Description = "HPA arithmetic to follow: current or 1.26.", DefaultValueFactory = _ => "current" };
        release.AcceptOnlyFromAmong("current", "1.26");
        var command = new Command("simulate", "Replay a trace through a cluster model and a model of the stock HPA under each policy (reactive CPU, reactive request rate, predictive, oracle), side by side.")
        {
            trace, policy, hpa, json, plot, peakPods, startup, capacity, slo, target, horizon, quantile, maxDays, release,
            HpaReplayCommand(),
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(trace) is not { } path)
            {
                return await CliOutput.FailAsync("simulate: --trace is required (or use `simulate hpa --recording`)", 2);
            }

            var defaults = new SimulationParameters();
            SimulationParameters parameters;
            try
            {
                parameters = defaults with
                {
                    PeakPods = parse.GetValue(peakPods) ?? defaults.PeakPods,
                    StartupDelay = Duration(parse.GetValue(startup), "--startup-delay") ?? defaults.StartupDelay,
                    PodCapacity = parse.GetValue(capacity) ?? defaults.PodCapacity,
                    Slo = Duration(parse.GetValue(slo), "--slo") ?? defaults.Slo,
                    TargetUtilization = parse.GetValue(target) ?? defaults.TargetUtilization,
                    Horizon = Duration(parse.GetValue(horizon), "--horizon") ?? defaults.Horizon,
                    MaxDuration = parse.GetValue(maxDays) is { } days ? TimeSpan.FromDays(days) : defaults.MaxDuration,
                    ForecastQuantile = parse.GetValue(quantile) ?? defaults.ForecastQuantile,
                };
                var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
                if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(parameters, new(parameters), errors, validateAllProperties: true)
                    || parameters.StartupDelay < TimeSpan.Zero || parameters.Horizon < parameters.Step || parameters.MaxDuration <= TimeSpan.Zero)
                {
                    return await CliOutput.FailAsync("simulate: " + (errors.Count > 0 ? string.Join("; ", errors.Select(e => e.ErrorMessage)) : "durations must be positive and the horizon at least 5s"), 2);
                }
            }
            catch (FormatException exception)
            {
                return await CliOutput.FailAsync("simulate: " + exception.Message, 2);
            }

            HpaSpec? user = null;
            TraceLoad load;
            try
            {
                if (parse.GetValue(hpa) is { } file)
                {
                    user = HpaSpec.Parse(await File.ReadAllTextAsync(file.FullName, cancellationToken));
                }

                load = new TraceLoad(TimeSeries.ReadCsv(path), parameters);
            }
            catch (Exception exception) when (exception is FormatException or InvalidDataException or IOException)
            {
                return await CliOutput.FailAsync("simulate: " + exception.Message, 2);
            }

            var chosen = parse.GetValue(policy) == "all" ? Policies.All : [parse.GetValue(policy)!];
            var flags = new HpaControllerFlags { Release = parse.GetValue(release) == "1.26" ? HpaRelease.Kubernetes126 : HpaRelease.Current };
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var result = await Task.Run(() => TraceSimulator.Run(load, parameters, chosen, user, flags,
                new SynchronousProgress(line => Console.Error.WriteLine("simulate: " + line))), cancellationToken);
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"simulate: {result.Trace} done in {watch.Elapsed.TotalSeconds:0.0} s"));
            await Console.Out.WriteAsync(Table(result));
            if (parse.GetValue(plot) is { } svg)
            {
                await File.WriteAllTextAsync(svg.FullName, SvgPlot.Render(result), cancellationToken);
            }

            if (parse.GetValue(json))
            {
                await Console.Out.WriteLineAsync(Json(result));
            }

            return 0;
        });
        return command;
    }

    private static Command HpaReplayCommand()
    {
        var recording = new Option<FileInfo>("--recording") { Description = "A recording of the real HPA controller (../shared/data/kubernetes/hpa-recordings).", Required = true };
        var json = new Option<bool>("--json") { Description = "Also print {\"syncs\": [{\"t\": .., \"replicas\": ..}]}, the last line of stdout." };
        var command = new Command("hpa", "Replay a recording's external-metric values, sync by sync, through the HPA model alone, and print the replicas after each sync.")
        {
            recording, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            HpaRecording replay;
            try
            {
                replay = HpaRecording.Parse(await File.ReadAllTextAsync(parse.GetValue(recording)!.FullName, cancellationToken));
            }
            catch (Exception exception) when (exception is FormatException or IOException or InvalidOperationException)
            {
                return await CliOutput.FailAsync("simulate hpa: " + exception.Message, 2);
            }

            var syncs = replay.Replay();
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"{replay.Controller} ({replay.Release}), {syncs.Count} syncs from {replay.InitialReplicas} replicas\n");
            text.Append("      T  REPLICAS  RECORDED\n");
            var matched = 0;
            for (var i = 0; i < syncs.Count; i++)
            {
                var recorded = replay.Syncs[i].ReplicasAfter;
                matched += recorded == syncs[i].Replicas ? 1 : 0;
                text.Append(CultureInfo.InvariantCulture, $"{syncs[i].T,7:0.000}  {syncs[i].Replicas,8}  {recorded?.ToString(CultureInfo.InvariantCulture) ?? "-",8}{(recorded is { } r && r != syncs[i].Replicas ? "  differs" : string.Empty)}\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"{matched} of {syncs.Count} syncs as the real controller chose\n");
            await Console.Out.WriteAsync(text.ToString());
            if (parse.GetValue(json))
            {
                var buffer = new System.Buffers.ArrayBufferWriter<byte>();
                using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
                {
                    writer.WriteStartObject();
                    writer.WriteStartArray("syncs");
                    foreach (var (t, replicas) in syncs)
                    {
                        writer.WriteStartObject();
                        writer.WriteNumber("t", t);
                        writer.WriteNumber("replicas", replicas);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }

                await Console.Out.WriteLineAsync(Encoding.UTF8.GetString(buffer.WrittenSpan));
            }

            return 0;
        });
        return command;
    }

    internal static string Table(SimulationResult result)
    {
        var p = result.Parameters;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{result.Trace}: {result.Duration.TotalDays:0.##} days{(result.Truncated ? " (the first part of the trace: --max-days)" : string.Empty)}, load ×{result.Scale:0.####} (peak = {p.PeakPods} pods at {p.TargetUtilization:0.##})\n");
        text.Append(CultureInfo.InvariantCulture,
            $"cluster: start-up {Seconds(p.StartupDelay)}, {p.PodCapacity:0.#} req/s per pod, p95 {Ms(p.BaseLatency)}/(1-u) (≥1 s from u 0.95, {Seconds(p.OverloadLatency)} past 1), SLO p95 < {Ms(p.Slo)}; CPU {p.CpuBaseline:0.##}+{1 - p.CpuBaseline:0.##}·u of {p.CpuRequestMilli}m; CPU metric {Seconds(p.CpuMetricWindow)} window, {Seconds(p.CpuMetricDelay)} late; rate metric {Seconds(p.RateMetricWindow)} window, {Seconds(p.RateMetricDelay)} late; observations every {Seconds(p.ObservationInterval)}; horizon {Seconds(p.Horizon)}, quantile {p.ForecastQuantile:0.###}; step {Seconds(p.Step)}\n");
        foreach (var (name, hpa) in result.Hpas)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {name}: {hpa}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"{"POLICY",-13} {"SLO-VIOL MIN",12} {"P95 MS",8} {"REPLICA-MIN",12} {"EVENTS",7} {"SCALE S",8} {"SURGES",7} {"UNDER MIN",10} {"MAX",5}\n");
        foreach (var r in result.Policies)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{r.Policy,-13} {r.SloViolationMinutes,12:0.0} {r.P95LatencyMs,8:0} {r.ReplicaMinutes,12:0} {r.ScalingEvents,7} {(r.TimeToScaleSeconds is { } s ? s.ToString("0", CultureInfo.InvariantCulture) : "-"),8} {r.Surges,7} {r.UnderProvisionedMinutes,10:0.0} {r.MaxReplicas,5}\n");
        }

        foreach (var r in result.Policies.Where(r => r.FallbackMinutes is not null))
        {
            text.Append(CultureInfo.InvariantCulture, $"{r.Policy}: predicted_load was a fallback (cold model, stale input) for {r.FallbackMinutes:0.#} of {result.Duration.TotalMinutes:0} minutes\n");
        }

        var byName = result.Policies.ToDictionary(r => r.Policy, StringComparer.Ordinal);
        if (byName.TryGetValue(Policies.Predictive, out var predictive) && byName.TryGetValue(Policies.Reactive, out var cpu) && byName.TryGetValue(Policies.ReactiveRps, out var rps))
        {
            var better = cpu.SloViolationMinutes <= rps.SloViolationMinutes ? cpu : rps;
            text.Append(CultureInfo.InvariantCulture,
                $"predictive vs the better reactive ({better.Policy}): violations {Ratio(predictive.SloViolationMinutes, better.SloViolationMinutes)} (target ≤ 50%), replica-minutes {Ratio(predictive.ReplicaMinutes, better.ReplicaMinutes)} (target ≤ 110%)");
            if (byName.TryGetValue(Policies.Oracle, out var oracle))
            {
                text.Append(CultureInfo.InvariantCulture, $"; vs oracle: violations {Ratio(predictive.SloViolationMinutes, oracle.SloViolationMinutes)} (target ≤ 120%)");
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private static string Ratio(double value, double reference) =>
        reference > 0 ? (value / reference).ToString("0%", CultureInfo.InvariantCulture) : value > 0 ? "∞ (reference 0)" : "0 of 0";

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + "s";

    private static string Ms(TimeSpan span) => span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + "ms";

    internal static string Json(SimulationResult result)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("trace", result.Trace);
            writer.WriteNumber("days", result.Duration.TotalDays);
            writer.WriteStartObject("policies");
            foreach (var r in result.Policies)
            {
                writer.WriteStartObject(r.Policy);
                writer.WriteNumber("sloViolationMinutes", Math.Round(r.SloViolationMinutes, 3));
                writer.WriteNumber("replicaMinutes", Math.Round(r.ReplicaMinutes, 1));
                writer.WriteNumber("p95LatencyMs", Math.Round(r.P95LatencyMs, 1));
                writer.WriteNumber("scalingEvents", r.ScalingEvents);
                if (r.TimeToScaleSeconds is { } seconds)
                {
                    writer.WriteNumber("timeToScaleSeconds", Math.Round(seconds, 1));
                }
                else
                {
                    writer.WriteNull("timeToScaleSeconds");
                }

                writer.WriteNumber("surges", r.Surges);
                writer.WriteNumber("underProvisionedMinutes", Math.Round(r.UnderProvisionedMinutes, 3));
                writer.WriteNumber("maxReplicas", r.MaxReplicas);
                if (r.FallbackMinutes is { } fallback)
                {
                    writer.WriteNumber("fallbackMinutes", Math.Round(fallback, 2));
                }

                writer.WriteString("hpa", result.Hpas[r.Policy]);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            var p = result.Parameters;
            writer.WriteStartObject("parameters");
            writer.WriteNumber("startupDelaySeconds", p.StartupDelay.TotalSeconds);
            writer.WriteNumber("podCapacity", p.PodCapacity);
            writer.WriteNumber("peakPods", p.PeakPods);
            writer.WriteNumber("targetUtilization", p.TargetUtilization);
            writer.WriteNumber("baseLatencyMs", p.BaseLatency.TotalMilliseconds);
            writer.WriteNumber("overloadLatencyMs", p.OverloadLatency.TotalMilliseconds);
            writer.WriteNumber("sloP95Ms", p.Slo.TotalMilliseconds);
            writer.WriteNumber("cpuBaseline", p.CpuBaseline);
            writer.WriteNumber("cpuRequestMilli", p.CpuRequestMilli);
            writer.WriteNumber("cpuMetricWindowSeconds", p.CpuMetricWindow.TotalSeconds);
            writer.WriteNumber("cpuMetricDelaySeconds", p.CpuMetricDelay.TotalSeconds);
            writer.WriteNumber("rateMetricWindowSeconds", p.RateMetricWindow.TotalSeconds);
            writer.WriteNumber("rateMetricDelaySeconds", p.RateMetricDelay.TotalSeconds);
            writer.WriteNumber("observationIntervalSeconds", p.ObservationInterval.TotalSeconds);
            writer.WriteNumber("horizonSeconds", p.Horizon.TotalSeconds);
            writer.WriteNumber("forecastQuantile", p.ForecastQuantile);
            writer.WriteNumber("stepSeconds", p.Step.TotalSeconds);
            writer.WriteNumber("minReplicas", p.MinReplicas);
            writer.WriteNumber("maxReplicas", p.ResolvedMaxReplicas);
            writer.WriteNumber("loadScale", result.Scale);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>90s, 2m, 300ms, 1h; null when not given.</summary>
    private static TimeSpan? Duration(string? text, string flag)
    {
        if (text is null)
        {
            return null;
        }

        return DurationText.TryParse(text, DurationText.FromMilliseconds, out var span)
            ? span
            : throw new FormatException($"{flag} {text}: not a duration such as 90s, 2m, 300ms");
    }
}
