using System.Text.Json.Nodes;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Host.Tests;

/// <summary>The evaluation verbs as scripts call them: exit codes, progress on stderr, and the last stdout line as JSON.</summary>
public sealed class EvaluateVerbTests
{
    private static readonly string Cli = Path.Combine(SharedData.RepositoryRoot, "metrics-adapter");

    private static JsonNode LastLineJson(string stdout) =>
        JsonNode.Parse(stdout.TrimEnd('\n').Split('\n')[^1])!;

    [Fact]
    public async Task Forecast_Json_LastLineHasTheContractShape()
    {
        var (exitCode, stdout, stderr) = await ProcessRunner.RunSplitAsync(Cli,
            ["evaluate", "forecast", "--data", SharedData.Path("traces", "azure_llm_inference_2023", "azure_llm_conv_1min.csv"), "--horizon", "2", "--json"],
            TimeSpan.FromMinutes(5));

        Assert.True(exitCode == 0, stderr);
        var json = LastLineJson(stdout);
        Assert.Equal("default", json["default"]!.GetValue<string>());
        var series = Assert.Single(json["series"]!.AsArray())!;
        Assert.Equal("azure_llm_conv_1min", series["name"]!.GetValue<string>());
        foreach (var model in new[] { "default", "seasonal-naive", "holt-winters", "last-value" })
        {
            var metrics = series["models"]![model]!;
            foreach (var metric in new[] { "mae", "smape", "mase", "underForecastRate" })
            {
                Assert.True(metrics[metric]!.GetValue<double>() >= 0, $"{model}.{metric}");
            }
        }

        Assert.Contains("forecast: azure_llm_conv_1min: default", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nab_Json_WritesResultsFiles_AndScoresAllProfiles()
    {
        using var output = new TemporaryDirectory();
        var labels = Path.Combine(output.Path, "windows.json");
        var all = JsonNode.Parse(await File.ReadAllTextAsync(SharedData.Path("nab", "labels", "combined_windows.json")))!.AsObject();
        var subset = new JsonObject();
        foreach (var name in new[] { "artificialWithAnomaly/art_daily_jumpsup.csv", "artificialNoAnomaly/art_flatline.csv", "realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv" })
        {
            subset[name] = all[name]!.DeepClone();
        }

        await File.WriteAllTextAsync(labels, subset.ToJsonString());

        var (exitCode, stdout, stderr) = await ProcessRunner.RunSplitAsync(Cli,
            ["evaluate", "nab", "--data", SharedData.Path("nab", "data"), "--labels", labels, "--out", output.Path, "--json"],
            TimeSpan.FromMinutes(5));

        Assert.True(exitCode == 0, stderr);
        var json = LastLineJson(stdout);
        Assert.Equal("mcl", json["detector"]!.GetValue<string>());
        foreach (var profile in new[] { "standard", "reward_low_FP_rate", "reward_low_FN_rate" })
        {
            Assert.InRange(json["scores"]![profile]!.GetValue<double>(), -100, 100);
            Assert.InRange(json["thresholds"]![profile]!.GetValue<double>(), 0, 1.1);
        }

        var results = Path.Combine(output.Path, "mcl", "artificialWithAnomaly", "mcl_art_daily_jumpsup.csv");
        var lines = await File.ReadAllLinesAsync(results);
        Assert.Equal("timestamp,value,anomaly_score,label", lines[0]);
        Assert.Equal(4033, lines.Length);
        Assert.Contains(lines.Skip(1), line => line.EndsWith(",1", StringComparison.Ordinal));
        Assert.Contains("nab: [3/3]", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("evaluate", "forecast", "--data", "/nonexistent", "--horizon", "2")]
    [InlineData("evaluate", "forecast", "--data", "/etc/hostname", "--horizon", "0")]
    [InlineData("evaluate", "nab", "--data", "/tmp", "--labels", "/nonexistent.json", "--out", "/tmp/x")]
    [InlineData("evaluate", "nab", "--data", "/tmp", "--labels", "/etc/hostname", "--out", "/tmp/x", "--detector", "magic")]
    public async Task BadArguments_FailWithAMessage(params string[] arguments)
    {
        var (exitCode, _, stderr) = await ProcessRunner.RunSplitAsync(Cli, arguments, TimeSpan.FromMinutes(5));

        Assert.NotEqual(0, exitCode);
        Assert.False(string.IsNullOrWhiteSpace(stderr));
    }
}
