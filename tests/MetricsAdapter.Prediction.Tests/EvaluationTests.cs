using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Prediction.Evaluation;
using MetricsAdapter.Prediction.Forecasting;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Prediction.Tests;

/// <summary>The models on public data nobody here made: the targets of issue 4, checked on every run.</summary>
public sealed class EvaluationTests
{
    public static TheoryData<string> MinuteTraces => new(
        "nasa_http_1995/nasa_http_1995_1min.csv",
        "azure_llm_inference_2023/azure_llm_code_1min.csv",
        "azure_llm_inference_2023/azure_llm_conv_1min.csv");

    [Theory]
    [MemberData(nameof(MinuteTraces))]
    public void DefaultForecaster_TwoMinutesAhead_BeatsSeasonalNaiveAndHoltWinters_AndRarelyUnderForecasts(string trace)
    {
        var series = TimeSeries.ReadCsv(SharedData.Path("traces", trace));

        var report = ForecastEvaluation.Evaluate(series, new ForecastEvaluationOptions(Horizon: 2));
        var model = report.Models.ToDictionary(m => m.Model);

        Assert.True(model[Forecasters.Default].Mase < model["seasonal-naive"].Mase, $"{model[Forecasters.Default].Mase} vs seasonal naive {model["seasonal-naive"].Mase}");
        Assert.True(model[Forecasters.Default].Mase < model["holt-winters"].Mase, $"{model[Forecasters.Default].Mase} vs Holt-Winters {model["holt-winters"].Mase}");
        Assert.InRange(model[Forecasters.Default].UnderForecastRate, 0.0, 0.15);
        Assert.All(report.Models, m => Assert.True(m.Scored > 40));
    }

    [Fact]
    public void DefaultDetector_OnNab_ScoresWellAbovePublishedBaselines()
    {
        var corpus = NabCorpus.Load(SharedData.Path("nab", "data"), SharedData.Path("nab", "labels", "combined_windows.json"));
        var scorer = new NabScorer(corpus);

        var scores = NabRunner.Run(corpus, () => Detectors.Create(Detectors.Default));
        var results = NabProfile.All.ToDictionary(p => p.Name, p => scorer.Score(scores, p));

        Assert.Equal(28, corpus.Count);
        Assert.Equal(36, scorer.WindowCount);
        Assert.True(results["standard"].Score > 70.5, $"standard {results["standard"].Score}");
        Assert.True(results["reward_low_FP_rate"].Score > 62.6, $"low FP {results["reward_low_FP_rate"].Score}");
        Assert.True(results["reward_low_FN_rate"].Score > 75.2, $"low FN {results["reward_low_FN_rate"].Score}");
        Assert.Equal(0, results["standard"].FalsePositiveRows > 50 ? 1 : 0);
    }

    [Fact]
    public void ReadCsv_MalformedRow_NamesFileAndLine()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:01:00,oops\n");
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => TimeSeries.ReadCsv(file));
            Assert.Contains(":3: \"oops\" is not a number", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Evaluate_MissingTimestamps_AreSkippedNotScored()
    {
        var start = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var minutes = Enumerable.Range(0, 300).Where(m => m is < 100 or >= 110).ToArray();
        var times = minutes.Select(m => start.AddMinutes(m)).ToArray();
        var series = new TimeSeries("gappy", times.Select(t => t.ToString("O", System.Globalization.CultureInfo.InvariantCulture)).ToArray(), times, minutes.Select(m => 10.0 + (m % 7)).ToArray());

        var report = ForecastEvaluation.Evaluate(series, new ForecastEvaluationOptions(Horizon: 2, WarmUp: 10));

        Assert.Equal(10, report.MissingSteps);
        Assert.Equal(TimeSpan.FromMinutes(1), report.Interval);
        Assert.All(report.Models, m => Assert.Equal(290 - 10, m.Scored));
    }
}
