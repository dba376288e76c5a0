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
        var command = new Command("nab", "Run a detector over every NAB series as a stream, write NAB results files, and score all three profiles with thresholds optimised as NAB does.")
        {
            data, labels, output, detector, seed, json, modelFile,
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

            var scores = NabRunner.Run(corpus, create, new SynchronousProgress(line => Console.Error.WriteLine("nab: " + line)));
            cancellationToken.ThrowIfCancellationRequested();
            NabRunner.WriteResults(parse.GetValue(output)!, name, corpus, scores);
            var scorer = new NabScorer(corpus);
            IReadOnlyList<NabProfileScore> results = NabProfile.All.Select(profile => scorer.Score(scores, profile)).ToList();
            await Console.Out.WriteAsync(NabTable(name, corpus, scorer, results));
            if (parse.GetValue(json))
            {
                await Console.Out.WriteLineAsync(NabJson(name, results));
            }

            return 0;
        });
        return command;
    }

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
            text.Append(string.Join(" | ", categories.Select(c => result.CategoryScores[c] is { } score ? score.ToString("F2", CultureInfo.InvariantCulture) : "no windows")));
            text.Append(" |\n");
        }

        return text.ToString();
    }

    private static string NabJson(string detector, IReadOnlyList<NabProfileScore> results)
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
                writer.WriteStartObject(result.Profile);
                foreach (var (category, score) in result.CategoryScores)
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

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
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
