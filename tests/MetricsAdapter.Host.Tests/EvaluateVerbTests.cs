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
        Assert.Contains("below 1 beats repeating last season's value", stdout, StringComparison.Ordinal);
        Assert.Contains("The default's row is its upper-quantile (q0.9) forecast", stdout, StringComparison.Ordinal);
    }

    /// <summary>Three NAB files, one per category we have: a windows file naming only them.</summary>
    private static async Task<string> ThreeFileLabelsAsync(string directory)
    {
        var labels = Path.Combine(directory, "windows.json");
        var all = JsonNode.Parse(await File.ReadAllTextAsync(SharedData.Path("nab", "labels", "combined_windows.json")))!.AsObject();
        var subset = new JsonObject();
        foreach (var name in new[] { "artificialWithAnomaly/art_daily_jumpsup.csv", "artificialNoAnomaly/art_flatline.csv", "realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv" })
        {
            subset[name] = all[name]!.DeepClone();
        }

        await File.WriteAllTextAsync(labels, subset.ToJsonString());
        return labels;
    }

    [Fact]
    public async Task Nab_Json_WritesResultsFiles_AndScoresAllProfiles()
    {
        using var output = new TemporaryDirectory();
        var labels = await ThreeFileLabelsAsync(output.Path);

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
        Assert.Equal(3, json["nabFiles"]!.GetValue<int>());
        Assert.Equal(58, json["nabCorpusFiles"]!.GetValue<int>());
        Assert.Null(json["heldOut"]);
        Assert.Contains("Coverage: 3 of NAB's 58 files.", stdout, StringComparison.Ordinal);
        Assert.Contains("the null detector (never fires) scores 0 and the perfect one", stdout, StringComparison.Ordinal);
        Assert.Contains("optimised (as NAB's optimiser does) on the very files scored", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nab_ProtocolLofo_WithACandidate_ReportsInSampleAndHeldOut()
    {
        using var output = new TemporaryDirectory();
        var labels = await ThreeFileLabelsAsync(output.Path);

        var (exitCode, stdout, stderr) = await ProcessRunner.RunSplitAsync(Cli,
            ["evaluate", "nab", "--data", SharedData.Path("nab", "data"), "--labels", labels, "--out", output.Path, "--protocol", "lofo", "--candidates", "mcl-v1", "--json"],
            TimeSpan.FromMinutes(5));

        Assert.True(exitCode == 0, stderr);
        var heldOut = LastLineJson(stdout)["heldOut"]!;
        Assert.Equal("lofo", heldOut["protocol"]!.GetValue<string>());
        Assert.Equal(3, heldOut["folds"]!.GetValue<int>());
        Assert.Equal(["mcl", "mcl-v1"], heldOut["candidates"]!.AsArray().Select(c => c!.GetValue<string>()));
        foreach (var profile in new[] { "standard", "reward_low_FP_rate", "reward_low_FN_rate" })
        {
            var score = heldOut["profiles"]![profile]!;
            var gap = score["heldOut"]!.GetValue<double>() - score["inSample"]!.GetValue<double>();
            Assert.Equal(gap, score["gap"]!.GetValue<double>(), 5);
            Assert.Equal(3, score["folds"]!.AsArray().Count);
            Assert.All(score["folds"]!.AsArray(), fold => Assert.Contains(fold!["detector"]!.GetValue<string>(), new[] { "mcl", "mcl-v1" }));
        }

        Assert.Contains("held out (lofo: leave one file out, 3 folds)", stdout, StringComparison.Ordinal);
        Assert.Contains("nab: candidate mcl-v1", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("evaluate", "forecast", "--data", "/nonexistent", "--horizon", "2")]
    [InlineData("evaluate", "forecast", "--data", "/etc/hostname", "--horizon", "0")]
    [InlineData("evaluate", "nab", "--data", "/tmp", "--labels", "/nonexistent.json", "--out", "/tmp/x")]
    [InlineData("evaluate", "nab", "--data", "/tmp", "--labels", "/etc/hostname", "--out", "/tmp/x", "--detector", "magic")]
    [InlineData("evaluate", "nab", "--data", "/tmp", "--labels", "/etc/hostname", "--out", "/tmp/x", "--protocol", "kfold")]
    public async Task BadArguments_FailWithAMessage(params string[] arguments)
    {
        var (exitCode, _, stderr) = await ProcessRunner.RunSplitAsync(Cli, arguments, TimeSpan.FromMinutes(5));

        Assert.NotEqual(0, exitCode);
        Assert.False(string.IsNullOrWhiteSpace(stderr));
    }

    [Theory]
    [InlineData("--candidates", "mcl-v1")]
    [InlineData("--protocol", "loco", "--candidates", "mcl-v1,magic")]
    public async Task Nab_CandidatesWithoutAProtocol_OrUnknown_AreRefused(params string[] arguments)
    {
        using var output = new TemporaryDirectory();
        var labels = await ThreeFileLabelsAsync(output.Path);

        var (exitCode, _, stderr) = await ProcessRunner.RunSplitAsync(Cli,
            ["evaluate", "nab", "--data", SharedData.Path("nab", "data"), "--labels", labels, "--out", output.Path, .. arguments],
            TimeSpan.FromMinutes(5));

        Assert.Equal(2, exitCode);
        Assert.Contains("--candidates", stderr, StringComparison.Ordinal);
    }
}
