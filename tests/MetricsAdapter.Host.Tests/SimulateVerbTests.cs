using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json.Nodes;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Host.Tests;

/// <summary><c>simulate</c> and <c>simulate hpa</c> as users run them, and the plot as a browser draws it.</summary>
public sealed class SimulateVerbTests
{
    private static readonly string Trace = SharedData.Path("traces", "azure_llm_inference_2023", "azure_llm_conv_1min.csv");

    [Fact]
    public async Task Simulate_Json_LastLineHasEveryPolicyAndTheParameters()
    {
        var (exitCode, output) = await AdapterProcess.RunCliAsync("simulate", "--trace", Trace, "--json");

        Assert.True(exitCode == 0, output);
        var json = JsonNode.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{')))!;
        foreach (var policy in new[] { "reactive", "reactive-rps", "predictive", "oracle" })
        {
            var result = json["policies"]![policy]!;
            Assert.True(result["sloViolationMinutes"]!.GetValue<double>() >= 0);
            Assert.True(result["replicaMinutes"]!.GetValue<double>() > 0);
            Assert.True(result["p95LatencyMs"]!.GetValue<double>() > 0);
            Assert.True(result["scalingEvents"]!.GetValue<int>() >= 0);
        }

        Assert.Equal(90, json["parameters"]!["startupDelaySeconds"]!.GetValue<double>());
        Assert.Equal(40, json["parameters"]!["peakPods"]!.GetValue<int>());
        Assert.Contains("POLICY", output, StringComparison.Ordinal);
        Assert.Contains("predictive vs the better reactive", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SimulateHpa_Recording_ReproducesTheRealController()
    {
        var recording = SharedData.Path("kubernetes", "hpa-recordings", "tolerance-and-failures.json");

        var (exitCode, output) = await AdapterProcess.RunCliAsync("simulate", "hpa", "--recording", recording, "--json");

        Assert.True(exitCode == 0, output);
        var syncs = JsonNode.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1])!["syncs"]!.AsArray();
        var recorded = JsonNode.Parse(await File.ReadAllTextAsync(recording))!["syncs"]!.AsArray();
        Assert.Equal(recorded.Count, syncs.Count);
        for (var i = 0; i < syncs.Count; i++)
        {
            Assert.Equal(recorded[i]!["replicasAfter"]!.GetValue<int>(), syncs[i]!["replicas"]!.GetValue<int>());
            Assert.Equal(recorded[i]!["t"]!.GetValue<double>(), syncs[i]!["t"]!.GetValue<double>());
        }
    }

    [Theory]
    [InlineData("--trace", "/nonexistent.csv", "nonexistent.csv")]
    [InlineData("--startup-delay", "soon", "--startup-delay")]
    [InlineData("--peak-pods", "0", "PeakPods")]
    public async Task Simulate_BadArguments_SayWhat(string flag, string value, string expected)
    {
        var arguments = flag == "--trace" ? new[] { "simulate", flag, value } : ["simulate", "--trace", Trace, flag, value];

        var (exitCode, output) = await AdapterProcess.RunCliAsync(arguments);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plot_RenderedInHeadlessChromium_IsNotEmpty()
    {
        using var directory = new TemporaryDirectory();
        var svg = Path.Combine(directory.Path, "plot.svg");
        var png = Path.Combine(directory.Path, "plot.png");
        var (exitCode, output) = await AdapterProcess.RunCliAsync("simulate", "--trace", Trace, "--plot", svg);
        Assert.True(exitCode == 0, output);

        var (shot, shotOutput) = await ProcessRunner.RunAsync("chromium",
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=" + Path.Combine(directory.Path, "profile"),
            "--window-size=1200,700", "--screenshot=" + png, "file://" + svg,
        ], TimeSpan.FromMinutes(2));

        Assert.True(shot == 0 && File.Exists(png), shotOutput);
        var (width, height, coloured) = Inspect(await File.ReadAllBytesAsync(png));
        Assert.Equal((1200, 700), (width, height));
        Assert.True(coloured > 0.02, $"only {coloured:P1} of the picture is not white");
    }

    /// <summary>A PNG's size, and the share of its decompressed bytes that are not white (filter bytes included: enough to tell a blank page).</summary>
    private static (int Width, int Height, double Coloured) Inspect(byte[] png)
    {
        var width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
        var height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        using var data = new MemoryStream();
        for (var offset = 8; offset < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            if (png.AsSpan(offset + 4, 4).SequenceEqual("IDAT"u8))
            {
                data.Write(png, offset + 8, length);
            }

            offset += 12 + length;
        }

        data.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(data, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        var pixels = inflated.ToArray();
        return (width, height, pixels.Count(b => b is not (0xFF or 0)) / (double)pixels.Length);
    }
}
