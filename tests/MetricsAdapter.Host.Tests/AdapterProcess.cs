using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MetricsAdapter.ApiServer.Serving;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Host.Tests;

/// <summary>
/// The real adapter as users run it: <c>./metrics-adapter serve</c> in its own process, on a free loopback port,
/// with a fresh CA, serving certificate and admin kubeconfig in a temporary directory.
/// </summary>
internal sealed class AdapterProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly ProcessStartInfo _start;
    private Process _process;

    private AdapterProcess(ProcessStartInfo start, string directory, int port)
    {
        _start = start;
        Directory = directory;
        Port = port;
        _process = Launch();
    }

    public string Directory { get; }

    /// <summary>The adapter's <c>--state-dir</c>: spool, model snapshots, and the embedded broker's address.</summary>
    public string StateDirectory => Path.Combine(Directory, "state");

    /// <summary>Where the embedded broker's address is written.</summary>
    public string KafkaBootstrapFile => Path.Combine(StateDirectory, "kafka.bootstrap");

    public int Port { get; }

    public Uri BaseAddress => new($"https://127.0.0.1:{Port}");

    public string Kubeconfig => Path.Combine(Directory, "kubeconfig");

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

    public bool HasExited => _process.HasExited;

    /// <summary>The server's process id (the script execs dotnet, so this is the server itself).</summary>
    public int ProcessId => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>Issues certificates with the CLI, starts <c>serve</c>, and waits until <c>/readyz</c> says ok.</summary>
    public static async Task<AdapterProcess> StartAsync(params string[] extraArguments)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("metrics-adapter-e2e-").FullName;
        var port = LoopbackPorts.Free();
        var certs = await RunCliAsync(
            "certs", "generate", "--out-dir", directory, "--dns", "localhost", "--ip", "127.0.0.1",
            "--client-cn", "e2e-admin", "--client-group", "system:masters",
            "--kubeconfig", Path.Combine(directory, "kubeconfig"), "--server", $"https://127.0.0.1:{port}");
        if (certs.ExitCode != 0)
        {
            throw new InvalidOperationException("certs generate failed: " + certs.Output);
        }

        var start = new ProcessStartInfo(Path.Combine(SharedData.RepositoryRoot, "metrics-adapter"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = SharedData.RepositoryRoot,
        };
        foreach (var argument in new[]
        {
            "serve", "--listen", $"127.0.0.1:{port}",
            "--tls-cert-file", Path.Combine(directory, DevelopmentCertificates.ServingCertName),
            "--tls-key-file", Path.Combine(directory, DevelopmentCertificates.ServingKeyName),
            "--client-ca-file", Path.Combine(directory, DevelopmentCertificates.CaCertName),
            "--state-dir", Path.Combine(directory, "state"),
        }.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        var adapter = new AdapterProcess(start, directory, port);
        await adapter.WaitUntilReadyAsync(TimeSpan.FromMinutes(3));
        return adapter;
    }

    /// <summary>Stops the process with SIGTERM (as the kubelet does) and starts it again with the same arguments and state.</summary>
    public async Task RestartAsync(TimeSpan within)
    {
        var exitCode = await TerminateAsync(within);
        Append($"---- restart (previous exit code {exitCode}) ----");
        _process.Dispose();
        _process = Launch();
        await WaitUntilReadyAsync(TimeSpan.FromMinutes(1));
    }

    /// <summary>Sends SIGTERM and waits for the process to end.</summary>
    public Task<int> TerminateAsync(TimeSpan within) => SignalAsync("-TERM", within);

    /// <summary>An HTTP client presenting the admin client certificate.</summary>
    public HttpClient CreateAdminClient() => CreateClient(X509Certificate2.CreateFromPemFile(
        Path.Combine(Directory, DevelopmentCertificates.ClientCertName), Path.Combine(Directory, DevelopmentCertificates.ClientKeyName)));

    /// <summary>The value of one sample of <c>/metrics</c> (summed over label sets that contain <paramref name="labels"/>), 0 when absent.</summary>
    public async Task<double> MetricAsync(string name, string labels = "")
    {
        using var client = CreateAdminClient();
        var text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        return text.Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && (line.Length > name.Length && line[name.Length] is ' ' or '{') && line.Contains(labels, StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private Process Launch()
    {
        var process = Process.Start(_start)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>An HTTP client that verifies the server against the test CA, optionally presenting a client certificate.</summary>
    public HttpClient CreateClient(X509Certificate2? clientCertificate = null)
    {
        var roots = CertificateValidation.LoadBundle(Path.Combine(Directory, DevelopmentCertificates.CaCertName));
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            certificate is not null
            && (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) == 0
            && CertificateValidation.Verify(new X509Certificate2(certificate), roots, CertificateValidation.ServerAuthUsage, TimeProvider.System.GetUtcNow(), out _);
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        return new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Sends SIGINT, as Ctrl-C in a terminal does, and waits for the process to end.</summary>
    public Task<int> InterruptAsync(TimeSpan within) => SignalAsync("-INT", within);

    private async Task<int> SignalAsync(string signal, TimeSpan within)
    {
        using (var kill = Process.Start("kill", [signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public static async Task<(int ExitCode, string Output)> RunCliAsync(params string[] arguments) =>
        await ProcessRunner.RunAsync(Path.Combine(SharedData.RepositoryRoot, "metrics-adapter"), arguments, TimeSpan.FromMinutes(5));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var client = CreateClient();
        var deadline = TimeProvider.System.GetUtcNow() + timeout;
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the adapter exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("the adapter did not become ready:\n" + Output);
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
}
