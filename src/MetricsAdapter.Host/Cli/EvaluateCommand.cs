using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Prediction.Evaluation;
using MetricsAdapter.Prediction.Forecasting;
using MetricsAdapter.Prediction.Onnx;

namespace MetricsAdapter.Host.Cli;

/// <summary>
/// <c>evaluate forecast</c> and <c>evaluate nab</c>: the models measured on public data, side by side. Tables go to
/// stdout; with <c>--json</c> the last line of stdout is one JSON object; progress goes to stderr.
/// </summary>
internal static class EvaluateCommand
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create() => new("evaluate", "Measure the forecasting and anomaly-detection models on data.")
    {
        ForecastCommand(),
        NabCommand(),
    };

    private static Command ForecastCommand()
    {
        var data = new Option<string>("--data") { Description = "A timestamp,value CSV (value = requests in the interval), or a directory of them.", Required = true };
        var horizon = new Option<int>("--horizon") { Description = "Steps ahead to forecast (2 on 1-minute data = 2 minutes).", Required = true };
        var season = new Option<int?>("--season") { Description = "Steps per season (default: steps per day at the data's interval)." };
        var warmUp = new Option<int?>("--warmup") { Description = "Steps not scored at the start (default: min(2 seasons, max(5, 10% of the steps)))." };
        var json = new Option<bool>("--json") { Description = "Also print the results as one JSON object, the last line of stdout." };
        var modelFile = new Option<string?>("--model") { Description = "An ONNX forecaster (train forecaster) scored in the same table, as onnx:<its name>." };
        var command = new Command("forecast", "Each forecaster on each series as a stream, side by side: MAE, sMAPE, MASE (against seasonal naive), pinball loss and under-forecast rate.")
        {
            data, horizon, season, warmUp, json, modelFile,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(data)!;
            var steps = parse.GetValue(horizon);
            if (steps < 1)
            {
                return await FailAsync("--horizon must be at least 1", 2);
            }

            var files = Directory.Exists(path)
                ? Directory.EnumerateFiles(path, "*.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
                : File.Exists(path) ? [path] : [];
            if (files.Count == 0)
            {
                return await FailAsync($"--data {path}: no CSV file there", 2);
            }

            var reports = new List<SeriesForecastReport>();
            var progress = new SynchronousProgress(line => Console.Error.WriteLine("forecast: " + line));
            OnnxModel? onnx = null;
            try
            {
                List<ExtraForecaster> extra = [];
                if (parse.GetValue(modelFile) is { } modelPath)
                {
                    onnx = OnnxModel.Load(modelPath, OnnxModelMetadata.Forecaster);
                    if (steps > onnx.Metadata.Horizon)
                    {
                        return await FailAsync($"--model: {onnx.Metadata.Name} forecasts {onnx.Metadata.Horizon} steps ahead, not --horizon {steps}", 2);
                    }

                    // The quantile of the blend's upper forecast, so that both rows' pinball losses are at one quantile.
                    var upper = onnx.Metadata.Quantiles.MinBy(q => Math.Abs(q - 0.9));
                    var loaded = onnx;
                    extra.Add(new ExtraForecaster($"onnx:{onnx.Metadata.Name}", () => new OnnxForecaster(new OnnxForecastBatcher(loaded), upper), upper));
                }

                foreach (var file in files)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var series = TimeSeries.ReadCsv(file);

                    // A model trained for one step says nothing on series of another: its row is left out there.
                    var fits = onnx is null || Math.Abs(series.Interval().TotalSeconds - onnx.Metadata.StepSeconds) < 1e-6;
                    if (!fits)
                    {
                        progress.Report($"{series.Name}: step {series.Interval().TotalSeconds} s, {onnx!.Metadata.Name} is for {onnx.Metadata.StepSeconds} s: not scored");
                    }

                    reports.Add(ForecastEvaluation.Evaluate(series, new ForecastEvaluationOptions(steps, parse.GetValue(season), parse.GetValue(warmUp)), fits ? extra : [], progress));
                }
            }
            catch (InvalidDataException exception)
            {
                return await FailAsync(exception.Message, 1);
            }
            catch (OnnxModelException exception)
            {
                return await FailAsync("--model: " + exception.Message, 2);
            }
            finally
            {
                onnx?.Dispose();
            }

            await Console.Out.WriteAsync(ForecastTable(reports, steps));
            if (parse.GetValue(json))
            {
                await Console.Out.WriteLineAsync(ForecastJson(reports));
            }

            return 0;
        });
        return command;
    }

    private static Command NabCommand()
    {
        var data = new Option<string>("--data") { Description = "NAB's data directory (category folders of timestamp,value CSVs).", Required = true };
        var labels = new Option<string>("--labels") { Description = "NAB's combined_windows.json.", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write NAB results files.", Required = true };
        var detector = new Option<string>("--detector") { Description = $"Detector: {string.Join(", ", Detectors.Names)}.", DefaultValueFactory = _ => Detectors.Default };
        detector.AcceptOnlyFromAmong([.. Detectors.Names]);
        var seed = new Option<ulong>("--seed") { Description = "Seed of randomised detectors (Isolation Forest).", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Also print the results as one JSON object, the last line of stdout." };
        var modelFile = new Option<string?>("--model") { Description = "An ONNX autoencoder (train detector) as the detector (onnx:<its name>); with --detector hybrid, as the hybrid's ML side." };
        var protocol = new Option<string?>("--protocol") { Description = "Also score held out: loco (leave one category out) or lofo (leave one file out); each fold's threshold is chosen on the other folds." };
        protocol.AcceptOnlyFromAmong("loco", "lofo");
        var candidates = new Option<string[]>("--candidates") { Description = "With --protocol: further detectors each fold may choose instead, on its training folds (repeatable, comma-separated).", AllowMultipleArgumentsPerToken = false };
        var synthetic = new Option<ulong?>("--with-synthetic") { Description = "Add the synthetic corpus of this seed (7 categories × 6 files: spikes, level shifts, variance bursts, drifts, season changes, stuck values, none) to the files scored." };
        var command = new Command("nab", "Run a detector over every NAB series as a stream, write NAB results files, and score all three profiles with thresholds optimised as NAB does.")
        {
            data, labels, output, detector, seed, json, modelFile, protocol, candidates, synthetic,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            IReadOnlyList<NabFile> corpus;
            try
            {
                corpus = NabCorpus.Load(parse.GetValue(data)!, parse.GetValue(labels)!);
            }
            catch (Exception exception) when (exception is InvalidDataException or IOException or JsonException or UnauthorizedAccessException)
            {
                return await FailAsync(exception.Message, 1);
            }

            var nabFiles = corpus.Count;
            if (parse.GetValue(synthetic) is { } syntheticSeed)
            {
                corpus = [.. corpus, .. SyntheticNabCorpus.Generate(seed: syntheticSeed)];
            }

            var others = CliValues.SplitList(parse.GetValue(candidates));
            if (others.FirstOrDefault(c => !Detectors.Names.Contains(c, StringComparer.Ordinal)) is { } unknown)
            {
                return await FailAsync($"--candidates: unknown detector \"{unknown}\"; known: {string.Join(", ", Detectors.Names)}", 2);
            }

            if (others.Length > 0 && parse.GetValue(protocol) is null)
            {
                return await FailAsync("--candidates needs --protocol: without a held-out protocol there is nothing to choose on", 2);
            }

            var name = parse.GetValue(detector)!;
            var detectorSeed = parse.GetValue(seed);
            Func<IAnomalyDetector> create = () => Detectors.Create(name, detectorSeed);
            using var onnx = parse.GetValue(modelFile) is { } modelPath ? LoadDetector(modelPath) : null;
            if (parse.GetValue(modelFile) is not null && onnx is null)
            {
                return 2;
            }

            if (onnx is not null)
            {
                var hybrid = name == "hybrid";
                name = (hybrid ? "hybrid-onnx-" : "onnx-") + onnx.Metadata.Name;
                create = hybrid
                    ? () => new HybridDetector(new OnnxAutoencoderDetector(onnx), new MultiChannelLikelihoodDetector())
                    : () => new OnnxAutoencoderDetector(onnx);
            }

            var progress = new SynchronousProgress(line => Console.Error.WriteLine("nab: " + line));
            var scores = NabRunner.Run(corpus, create, progress);
            cancellationToken.ThrowIfCancellationRequested();
            NabRunner.WriteResults(parse.GetValue(output)!, name, corpus, scores);
            var scorer = new NabScorer(corpus);
            IReadOnlyList<NabProfileScore> results = NabProfile.All.Select(profile => scorer.Score(scores, profile)).ToList();
            await Console.Out.WriteAsync(NabTable(name, corpus, scorer, results));

            NabHeldOutReport? heldOut = null;
            if (parse.GetValue(protocol) is { } protocolName)
            {
                var chosen = protocolName == "loco" ? NabProtocol.Loco : NabProtocol.Lofo;
                List<NabCandidate> runs = [new(name, scores)];
                foreach (var other in others.Where(o => o != name).Distinct(StringComparer.Ordinal))
                {
                    progress.Report($"candidate {other}");
                    runs.Add(new NabCandidate(other, NabRunner.Run(corpus, () => Detectors.Create(other, detectorSeed), progress)));
                    cancellationToken.ThrowIfCancellationRequested();
                }

                heldOut = new NabHeldOutReport(protocolName, NabHeldOut.Folds(corpus, chosen).Count, runs.Select(r => r.Name).ToList(), NabHeldOut.Score(corpus, runs, chosen));
                await Console.Out.WriteAsync(HeldOutTable(heldOut));
            }

            await Console.Out.WriteAsync(NabExplanation(corpus, nabFiles, results, heldOut is not null));
            if (parse.GetValue(json))
            {
                await Console.Out.WriteLineAsync(NabJson(name, corpus, nabFiles, results, heldOut));
            }

            return 0;
        });
        return command;
    }

    /// <summary>A held-out run, as reported.</summary>
    private sealed record NabHeldOutReport(string Protocol, int Folds, IReadOnlyList<string> Candidates, IReadOnlyList<NabHeldOutScore> Scores);

    /// <summary>The detector model, or null after saying why it was refused.</summary>
    private static OnnxModel? LoadDetector(string path)
    {
        try
        {
            return OnnxModel.Load(path, OnnxModelMetadata.Detector);
        }
        catch (OnnxModelException exception)
        {
            Console.Error.WriteLine("metrics-adapter: --model: " + exception.Message);
            return null;
        }
    }

    private static string ForecastTable(IReadOnlyList<SeriesForecastReport> reports, int horizon)
    {
        var text = new StringBuilder();
        foreach (var report in reports)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"\n{report.Name}: {report.Rows} rows, step {report.Interval}, season {report.Season}, horizon {horizon}, warm-up {report.WarmUp}, {report.MissingSteps} missing steps; MASE scale {report.Scale:G4} (season {report.ScaleSeason})\n");
            text.Append("| model | MAE | sMAPE % | MASE | pinball | under-forecast |\n|---|---|---|---|---|---|\n");
            foreach (var model in report.Models)
            {
                var label = model.Model == Forecasters.Default ? "**default** (blend, q0.9)" : model.Model;
                text.Append(CultureInfo.InvariantCulture,
                    $"| {label} | {model.Mae:G4} | {model.SmapePercent:F2} | {model.Mase:F4} | {model.PinballLoss:G4} | {model.UnderForecastRate:F3} |\n");
            }
        }

        text.Append('\n')
            .Append("MASE: the model's MAE divided by the mean absolute error of the seasonal-naive forecast over the series (the MASE scale above); below 1 beats repeating last season's value, above 1 does worse.\n")
            .Append("The default's row is its upper-quantile (q0.9) forecast, the value the HPA is served: it is meant to sit above the load, so its MAE and MASE carry that margin; judge it by the pinball loss at 0.9 and the under-forecast rate (the share of steps the load came in above the forecast).\n");
        return text.ToString();
    }

    private static string ForecastJson(IReadOnlyList<SeriesForecastReport> reports)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, JsonOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("default", Forecasters.Default);
            writer.WriteStartArray("series");
            foreach (var report in reports)
            {
                writer.WriteStartObject();
                writer.WriteString("name", report.Name);
                writer.WriteNumber("rows", report.Rows);
                writer.WriteNumber("season", report.Season);
                writer.WriteNumber("warmUp", report.WarmUp);
                writer.WriteStartObject("models");
                foreach (var model in report.Models)
                {
                    writer.WriteStartObject(model.Model);
                    Number(writer, "mae", model.Mae);
                    Number(writer, "smape", model.SmapePercent);
                    Number(writer, "mase", model.Mase);
                    Number(writer, "pinball", model.PinballLoss);
                    Number(writer, "underForecastRate", model.UnderForecastRate);
                    writer.WriteNumber("scored", model.Scored);
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string NabTable(string detector, IReadOnlyList<NabFile> corpus, NabScorer scorer, IReadOnlyList<NabProfileScore> results)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"\n{detector} on {corpus.Count} files, {scorer.WindowCount} windows\n");
        var categories = results[0].CategoryScores.Keys.ToList();
        text.Append("| profile | threshold | score | windows detected / missed | false-positive rows | ")
            .Append(string.Join(" | ", categories)).Append(" |\n|---|---|---|---|---|")
            .Append(string.Concat(categories.Select(_ => "---|"))).Append('\n');
        foreach (var result in results)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"| {result.Profile} | {result.Threshold:G6} | {result.Score:F2} | {result.DetectedWindows} / {result.MissedWindows} | {result.FalsePositiveRows} | ");
            text.Append(string.Join(" | ", categories.Select(c => CategoryCell(result.CategoryScores[c]))));
            text.Append(" |\n");
        }

        return text.ToString();
    }

    private static string HeldOutTable(NabHeldOutReport report)
    {
        var text = new StringBuilder();
        var what = report.Protocol == "loco" ? "leave one category out" : "leave one file out";
        var choice = report.Candidates.Count > 1 ? $"the detector (among {string.Join(", ", report.Candidates)}) and its threshold" : "the threshold";
        text.Append(CultureInfo.InvariantCulture, $"\nheld out ({report.Protocol}: {what}, {report.Folds} folds): each fold is scored with {choice} chosen on the other folds only\n");
        var categories = report.Scores[0].CategoryHeldOut.Keys.ToList();
        text.Append("| profile | in-sample | held-out | gap | ")
            .Append(string.Join(" | ", categories)).Append(" |\n|---|---|---|---|")
            .Append(string.Concat(categories.Select(_ => "---|"))).Append('\n');
        foreach (var score in report.Scores)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {score.Profile} | {score.InSample:F2} | {score.HeldOut:F2} | {score.HeldOut - score.InSample:+0.00;-0.00;0.00} | ");
            text.Append(string.Join(" | ", categories.Select(c => CategoryCell(score.CategoryHeldOut[c]))));
            text.Append(" |\n");
        }

        if (report.Protocol == "loco")
        {
            var standard = report.Scores[0];
            text.Append(CultureInfo.InvariantCulture, $"folds ({standard.Profile}): ");
            text.Append(string.Join("; ", standard.Folds.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.HeldOut} ← {f.Candidate} at {f.Threshold:G6}"))));
            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>What the numbers mean, under every table: the scale, the coverage, and how the thresholds were chosen.</summary>
    private static string NabExplanation(IReadOnlyList<NabFile> corpus, int nabFiles, IReadOnlyList<NabProfileScore> results, bool heldOut)
    {
        var text = new StringBuilder("\n");
        text.Append("Scale: the null detector (never fires) scores 0 and the perfect one (first row of every window, no false positive) 100; below 0, false positives cost more than the detections earned.\n");
        text.Append(CultureInfo.InvariantCulture, $"Coverage: {nabFiles} of NAB's {NabCorpus.FullCorpusFiles} files");
        if (corpus.Count > nabFiles)
        {
            text.Append(CultureInfo.InvariantCulture, $" and {corpus.Count - nabFiles} synthetic files");
        }

        text.Append(CultureInfo.InvariantCulture, $". Published NAB results are on all {NabCorpus.FullCorpusFiles}; a score on fewer files is not comparable to them.\n");
        text.Append("Thresholds: one per profile, optimised (as NAB's optimiser does) on the very files scored, so the table above is in-sample");
        text.Append(heldOut ? "; the held-out table chose them on the other folds only.\n" : "; --protocol loco|lofo scores it held out.\n");
        if (results.Select(r => r.Threshold).Distinct().Count() == 1)
        {
            text.Append("The three profiles chose the same threshold: under each weighting, lowering it costs more in false positives than the further detections earn, even when a miss costs double (reward_low_FN_rate), and raising it loses detections worth more than the false positives it saves, even when those cost double (reward_low_FP_rate).\n");
        }

        return text.ToString();
    }

    private static string CategoryCell(double? score) => score is { } value ? value.ToString("F2", CultureInfo.InvariantCulture) : "no windows";

    private static string NabJson(string detector, IReadOnlyList<NabFile> corpus, int nabFiles, IReadOnlyList<NabProfileScore> results, NabHeldOutReport? heldOut)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, JsonOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("detector", detector);
            writer.WriteStartObject("scores");
            foreach (var result in results)
            {
                Number(writer, result.Profile, result.Score);
            }

            writer.WriteEndObject();
            writer.WriteStartObject("thresholds");
            foreach (var result in results)
            {
                Number(writer, result.Profile, result.Threshold);
            }

            writer.WriteEndObject();
            writer.WriteStartObject("categories");
            foreach (var result in results)
            {
                writer.WritePropertyName(result.Profile);
                CategoryScores(writer, result.CategoryScores);
            }

            writer.WriteEndObject();
            writer.WriteNumber("nabFiles", nabFiles);
            writer.WriteNumber("nabCorpusFiles", NabCorpus.FullCorpusFiles);
            writer.WriteNumber("syntheticFiles", corpus.Count - nabFiles);
            writer.WriteString("thresholdsChosen", "in-sample");
            if (heldOut is not null)
            {
                writer.WriteStartObject("heldOut");
                writer.WriteString("protocol", heldOut.Protocol);
                writer.WriteNumber("folds", heldOut.Folds);
                writer.WriteStartArray("candidates");
                foreach (var candidate in heldOut.Candidates)
                {
                    writer.WriteStringValue(candidate);
                }

                writer.WriteEndArray();
                writer.WriteStartObject("profiles");
                foreach (var score in heldOut.Scores)
                {
                    writer.WriteStartObject(score.Profile);
                    Number(writer, "inSample", score.InSample);
                    writer.WriteString("inSampleDetector", score.InSampleCandidate);
                    Number(writer, "heldOut", score.HeldOut);
                    Number(writer, "gap", score.HeldOut - score.InSample);
                    writer.WritePropertyName("categories");
                    CategoryScores(writer, score.CategoryHeldOut);
                    writer.WriteStartArray("folds");
                    foreach (var fold in score.Folds)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("heldOut", fold.HeldOut);
                        writer.WriteString("detector", fold.Candidate);
                        Number(writer, "threshold", fold.Threshold);
                        Number(writer, "rawScore", fold.RawScore);
                        writer.WriteNumber("windows", fold.Windows);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void CategoryScores(Utf8JsonWriter writer, IReadOnlyDictionary<string, double?> scores)
    {
        writer.WriteStartObject();
        foreach (var (category, score) in scores)
        {
            if (score is { } value)
            {
                Number(writer, category, value);
            }
            else
            {
                writer.WriteNull(category);
            }
        }

        writer.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, Math.Round(value, 6));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static Task<int> FailAsync(string message, int exitCode) => CliOutput.FailAsync($"metrics-adapter: {message}", exitCode);
}
