using System.CommandLine;
using System.Diagnostics;

namespace MetricsAdapter.Host.Cli;

/// <summary>
/// <c>train forecaster|detector</c>: a thin verb over tools/training/train.py, run with Debian's Python and torch
/// (<c>apt-get install python3-torch python3-onnx</c>). The script's output passes through; its exit code is ours.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var command = new Command("train", "Train a model offline on timestamp,value histories and export it as ONNX with its metadata (tools/training/README.md).");
        command.Subcommands.Add(Kind("forecaster", "An LSTM forecaster of the value --horizon steps ahead at quantiles (per-window normalisation: any scale)."));
        command.Subcommands.Add(Kind("detector", "A dense autoencoder of windows (per-window z-score); its reconstruction error is the anomaly score."));
        return command;
    }

    private static Command Kind(string kind, string description)
    {
        var data = new Option<string[]>("--data") { Description = "A CSV file or a directory of them (repeatable).", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "The .onnx file to write.", Required = true };
        var window = new Option<int?>("--window") { Description = "Input window, in steps (default 32)." };
        var horizon = new Option<int?>("--horizon") { Description = "Steps ahead (forecaster; default 2)." };
        var seed = new Option<int?>("--seed") { Description = "Seed: the same seed and data give the same file (default 1)." };
        var more = new Option<string[]>("--option")
        {
            Description = "Further train.py flags, e.g. --option=--epochs=10 --option=--exclude=realAWSCloudwatch/* (see tools/training/README.md).",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command(kind, description) { data, output, window, horizon, seed, more };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (FindScript() is not { } script)
            {
                return await CliOutput.FailAsync("metrics-adapter: train: tools/training/train.py not found above " + AppContext.BaseDirectory, 2);
            }

            var start = new ProcessStartInfo("/usr/bin/python3") { UseShellExecute = false };
            start.ArgumentList.Add(script);
            start.ArgumentList.Add(kind);
            foreach (var path in parse.GetValue(data)!)
            {
                start.ArgumentList.Add("--data");
                start.ArgumentList.Add(Path.GetFullPath(path));
            }

            start.ArgumentList.Add("--out");
            start.ArgumentList.Add(Path.GetFullPath(parse.GetValue(output)!));
            Add(start, "--window", parse.GetValue(window));
            Add(start, "--horizon", parse.GetValue(horizon));
            Add(start, "--seed", parse.GetValue(seed));
            foreach (var option in parse.GetValue(more) ?? [])
            {
                start.ArgumentList.Add(option);
            }

            try
            {
                using var process = Process.Start(start)!;
                try
                {
                    await process.WaitForExitAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // Interrupted: training must not go on without us.
                    process.Kill(entireProcessTree: true);
                    throw;
                }

                return process.ExitCode;
            }
            catch (System.ComponentModel.Win32Exception exception)
            {
                return await CliOutput.FailAsync($"metrics-adapter: train: cannot run /usr/bin/python3 ({exception.Message}); apt-get install python3-torch python3-onnx", 2);
            }
        });
        return command;
    }

    private static void Add(ProcessStartInfo start, string flag, int? value)
    {
        if (value is { } number)
        {
            start.ArgumentList.Add(flag);
            start.ArgumentList.Add(number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>tools/training/train.py in the checkout this program was built from (the CLI builds into the checkout's .build).</summary>
    private static string? FindScript()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tools", "training", "train.py");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
