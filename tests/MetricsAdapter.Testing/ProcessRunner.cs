using System.Diagnostics;

namespace MetricsAdapter.Testing;

/// <summary>Runs a command to completion, capturing its output.</summary>
public static class ProcessRunner
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? standardInput = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            WorkingDirectory = SharedData.RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunSplitAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = SharedData.RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>kubectl as an independent client: its JSON Patch is the API server's own library (evanphx/json-patch).</summary>
public static class Kubectl
{
    /// <summary>Applies an RFC 6902 patch to an object offline (<c>kubectl patch --local --type=json</c>) and returns the result.</summary>
    public static async Task<string> PatchLocalAsync(string objectJson, string patchJson)
    {
        var file = Path.Combine(Path.GetTempPath(), $"kubectl-patch-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, objectJson);
        try
        {
            var (exitCode, stdout, stderr) = await ProcessRunner.RunSplitAsync(
                "kubectl", ["patch", "--local", "-f", file, "--type=json", "-p", patchJson, "-o", "json"], TimeSpan.FromSeconds(60));
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"kubectl patch --local failed ({exitCode}): {stderr}");
            }

            return stdout;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
