using System.Diagnostics;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Host.Tests;

/// <summary><c>./metrics-adapter dev-kafka</c> in its own process: a broker outside the adapter, taken down and up on command.</summary>
internal sealed class DevKafkaProcess : IAsyncDisposable
{
    private readonly Process _process;

    private DevKafkaProcess(Process process, string bootstrap)
    {
        _process = process;
        Bootstrap = bootstrap;
    }

    public string Bootstrap { get; }

    public static async Task<DevKafkaProcess> StartAsync()
    {
        var start = new ProcessStartInfo(Path.Combine(SharedData.RepositoryRoot, "metrics-adapter"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = SharedData.RepositoryRoot,
        };
        start.ArgumentList.Add("dev-kafka");
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var bootstrap = await process.StandardOutput.ReadLineAsync(timeout.Token)
            ?? throw new InvalidOperationException("dev-kafka printed no address");
        return new DevKafkaProcess(process, bootstrap.Trim());
    }

    /// <summary>Sends one command (<c>down 1</c>, <c>up 1</c>) and returns its answer line.</summary>
    public async Task<string> CommandAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _process.StandardOutput.ReadLineAsync(timeout.Token) ?? string.Empty;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }
}
