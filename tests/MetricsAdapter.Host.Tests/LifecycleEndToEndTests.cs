using MetricsAdapter.Testing;

namespace MetricsAdapter.Host.Tests;

public sealed class LifecycleEndToEndTests
{
    [Fact]
    public async Task Interrupt_StopsCleanly_WithExitCodeZero()
    {
        await using var adapter = await AdapterProcess.StartAsync("--demo");

        var exitCode = await adapter.InterruptAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, exitCode);
        Assert.Contains("Application is shutting down", adapter.Output, StringComparison.Ordinal);
        Assert.Contains("Stopped cleanly", adapter.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_UnreadableCertificate_FailsToStartWithAReason()
    {
        using var state = new TemporaryDirectory();
        var (exitCode, output) = await AdapterProcess.RunCliAsync("serve", "--listen", "127.0.0.1:0", "--tls-cert-file", "/nonexistent.crt", "--tls-key-file", "/nonexistent.key", "--state-dir", state.Path);

        Assert.Equal(1, exitCode);
        Assert.Contains("cannot start", output, StringComparison.Ordinal);
        Assert.Contains("nonexistent.crt", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--listen", "nonsense")]
    [InlineData("--tls-cert-file", "/only-one-of-the-pair.crt")]
    public async Task Serve_BadFlags_AreRefused(string flag, string value)
    {
        using var state = new TemporaryDirectory();
        var (exitCode, output) = await AdapterProcess.RunCliAsync("serve", flag, value, "--state-dir", state.Path);

        Assert.NotEqual(0, exitCode);
        Assert.False(string.IsNullOrWhiteSpace(output));
    }

    [Fact]
    public async Task CertsGenerate_Twice_KeepsValidFiles()
    {
        using var directory = new TemporaryDirectory();

        var first = await AdapterProcess.RunCliAsync("certs", "generate", "--out-dir", directory.Path);
        var second = await AdapterProcess.RunCliAsync("certs", "generate", "--out-dir", directory.Path);

        Assert.StartsWith("issued:", first.Output, StringComparison.Ordinal);
        Assert.StartsWith("kept:", second.Output, StringComparison.Ordinal);
    }
}
