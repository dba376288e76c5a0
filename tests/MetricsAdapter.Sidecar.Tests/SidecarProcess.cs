using System.Diagnostics;
using System.Globalization;
using System.Text;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Sidecar.Tests;

/// <summary>The sidecar as its own process (the JIT build beside the tests), started with the environment a pod gives it.</summary>
internal sealed class SidecarProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SidecarProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static SidecarProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var port = LoopbackPorts.Free();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "metrics-adapter-sidecar.dll"));
        foreach (var argument in arguments.Length > 0 ? arguments : ["sidecar", $"--listen=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("METRICS_ADAPTER_", StringComparison.Ordinal) || k.StartsWith("POD_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var sidecar = new SidecarProcess(process, port);
        process.OutputDataReceived += (_, line) => sidecar.Append(line.Data);
        process.ErrorDataReceived += (_, line) => sidecar.Append(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sidecar;
    }

    /// <summary>GET a path of the sidecar's own endpoint: its status code and body, or (0, the error) while it is not listening.</summary>
    public async Task<(int Status, string Body)> GetAsync(string path)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException exception)
        {
            return (0, exception.Message);
        }
    }

    /// <summary>The value of one sample of <c>/metrics</c> (summed over label sets that contain <paramref name="labels"/>), 0 when absent.</summary>
    public async Task<double> MetricAsync(string name, string labels = "")
    {
        var (_, text) = await GetAsync("/metrics");
        return text.Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is ' ' or '{' && line.Contains(labels, StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>Sends SIGTERM, as the kubelet does, and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan within)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
