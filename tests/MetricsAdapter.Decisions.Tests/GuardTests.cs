using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Core.Observations;
using MetricsAdapter.Prediction.Forecasting;
using MetricsAdapter.Prediction.State;
using static MetricsAdapter.Decisions.Tests.DecisionHarness;

namespace MetricsAdapter.Decisions.Tests;

/// <summary>The safety contract, rule by rule, on a manual clock (pipeline-contracts §4).</summary>
public sealed class GuardTests
{
    private static readonly Dictionary<string, double> ThreePods = new() { ["checkout-a"] = 10, ["checkout-b"] = 10, ["checkout-c"] = 10 };

    /// <summary>The scripted forecasts are far above the scripted load: the runaway cap is tested on its own, off here.</summary>
    private static (DecisionHarness Harness, ScriptedModels Models) Create(DecisionOptions? options = null)
    {
        options ??= new DecisionOptions { MaxForecastRatio = 1000 };
        var models = new ScriptedModels(options);
        return (new DecisionHarness(options, models), models);
    }

    [Fact]
    public void Tick_HealthyWarmModel_ServesItsUpperForecastWithoutFallback()
    {
        var (harness, _) = Create();
        using var _ = harness;

        var load = Load(harness.RunTick(ThreePods));

        Assert.Null(load.Fallback);
        Assert.Equal("120", load.Value.ToString());
        Assert.Equal("scripted", load.Model.Name);
        Assert.Equal(30, load.Inputs.ObservedRequestsPerSecond);
        Assert.Equal(3, load.Inputs.PodsReporting);
        Assert.Equal(TimeSpan.FromMinutes(2), load.Horizon);
        Assert.Contains("Forecast 120 req/s", load.Explanation, StringComparison.Ordinal);
        Assert.Equal(1, harness.Recorder.Total("metrics_adapter.decisions", ("metric", "predicted_load"), ("fallback", "none")));
    }

    [Fact]
    public void Tick_ForecastFarAboveAnythingSeen_IsCappedAndSaysSo()
    {
        var (harness, models) = Create(new DecisionOptions());
        using var _ = harness;
        models.Forecaster = () => new ScriptedForecaster(500, 900);

        var load = Load(harness.RunTick(ThreePods));

        Assert.Null(load.Fallback);
        Assert.Equal("60", load.Value.ToString());
        Assert.Equal(60, load.Inputs.ForecastUpper);
        Assert.Contains("capped at 60 req/s, 2× the highest rate seen lately", load.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Tick_ObservedAboveForecast_ServesObservedRate()
    {
        var (harness, _) = Create();
        using var _ = harness;

        var load = Load(harness.RunTick(new Dictionary<string, double> { ["a"] = 50, ["b"] = 50, ["c"] = 50 }));

        Assert.Null(load.Fallback);
        Assert.Equal("150", load.Value.ToString());
        Assert.Contains("exceeds the forecast", load.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(3, FallbackReasons.PodsSilent)]
    [InlineData(4, FallbackReasons.StaleObservations)]
    [InlineData(20, FallbackReasons.StaleObservations)]
    public void Tick_SilentForTicks_IsStaleOnlyPastTheLimitAndNeverLower(int silentTicks, string? reason)
    {
        var (harness, models) = Create();
        using var _ = harness;
        harness.RunTick(ThreePods);
        models.Forecaster = () => new ScriptedForecaster(1, 1);

        IReadOnlyList<Decision> decisions = [];
        for (var i = 0; i < silentTicks; i++)
        {
            decisions = harness.SilentTick();
        }

        var load = Load(decisions);
        Assert.Equal(reason, load.Fallback?.Reason);
        Assert.True(load.Value!.Value.ToDouble() >= 120, $"served {load.Value} after {silentTicks} silent ticks");
        if (reason == FallbackReasons.StaleObservations)
        {
            Assert.Equal(FallbackReasons.StaleObservations, Score(decisions).Fallback?.Reason);
            Assert.Equal(DecisionHarness.Start + TimeSpan.FromSeconds(15 * 5), load.Fallback!.Since);
        }
    }

    [Fact]
    public void Tick_PastTheHardLimit_WithdrawsOnceThenServesAgainWhenDataReturns()
    {
        var (harness, _) = Create();
        using var _ = harness;
        harness.RunTick(ThreePods);

        var ticks = (int)(harness.Options.StopServingAfter / harness.Options.Tick);
        for (var i = 0; i < ticks; i++)
        {
            Assert.Equal(2, harness.SilentTick().Count);
        }

        var withdrawn = harness.SilentTick();
        Assert.Equal(2, withdrawn.Count);
        Assert.All(withdrawn, d =>
        {
            Assert.Null(d.Value);
            Assert.Equal(FallbackReasons.NoData, d.Fallback?.Reason);
        });
        Assert.Empty(harness.SilentTick());

        var back = Load(harness.RunTick(ThreePods));
        Assert.Null(back.Fallback);
        Assert.Equal("120", back.Value.ToString());
    }

    [Fact]
    public void Tick_ModelNotWarm_ServesTheHighestObservedRate()
    {
        var (harness, models) = Create();
        using var _ = harness;
        models.Forecaster = () => new ScriptedForecaster(500, 600, warm: false);

        harness.RunTick(new Dictionary<string, double> { ["a"] = 40 });
        var load = Load(harness.RunTick(new Dictionary<string, double> { ["a"] = 20 }));

        Assert.Equal(FallbackReasons.ModelNotWarm, load.Fallback?.Reason);
        Assert.Equal("40", load.Value.ToString());
        Assert.Equal(DecisionRules.ObservedPeak, load.Model);
    }

    [Fact]
    public void Tick_ModelThrows_IsQuarantinedThenReplacedByAFreshOne()
    {
        var (harness, models) = Create();
        using var _ = harness;
        models.Forecaster = () => new ScriptedForecaster(100, 120, fault: new InvalidOperationException("boom"));

        // 09:00:15 … 09:01:00: the minute's tick runs a model step, which throws.
        IReadOnlyList<Decision> decisions = [];
        for (var i = 0; i < 4; i++)
        {
            decisions = harness.RunTick(ThreePods);
        }

        var failed = Load(decisions);
        Assert.Equal(FallbackReasons.ModelFailed, failed.Fallback?.Reason);
        Assert.Contains("InvalidOperationException: boom", failed.Explanation, StringComparison.Ordinal);
        Assert.Equal(120, failed.Value!.Value.ToDouble());
        Assert.Equal(1, harness.Recorder.Total("metrics_adapter.models.quarantined", ("model", "forecaster")));

        models.Forecaster = () => new ScriptedForecaster(100, 130);
        var ticks = (int)(harness.Options.Quarantine / harness.Options.Tick);
        for (var i = 0; i < ticks; i++)
        {
            decisions = harness.RunTick(ThreePods);
        }

        Assert.Equal(2, models.ForecastersCreated);
        Assert.Null(Load(decisions).Fallback);
        Assert.Equal("130", Load(decisions).Value.ToString());
    }

    [Fact]
    public void Tick_SkippedTicksAcrossStepBoundaries_AreGapsForTheModel_NotOneMergedStep()
    {
        var (harness, models) = Create();
        using var _ = harness;
        var forecaster = new ScriptedForecaster(100, 120);
        models.Forecaster = () => forecaster;
        for (var i = 0; i < 3; i++)
        {
            harness.RunTick(ThreePods);
        }

        Assert.Equal(0, forecaster.Observations);

        // From 09:00:45 straight to 09:03:15: the boundaries at 09:01, 09:02 and 09:03 are crossed at once.
        harness.Clock.Advance(TimeSpan.FromSeconds(150));
        harness.Report("checkout-a", 10);
        harness.Decide();

        Assert.Equal(3, forecaster.Observations);
    }

    [Fact]
    public void Tick_ModelAnswersNaN_IsQuarantined()
    {
        var (harness, models) = Create();
        using var _ = harness;
        models.Forecaster = () => new ScriptedForecaster(0, 0, nan: true);

        var load = Load(harness.RunTick(ThreePods));

        Assert.Equal(FallbackReasons.ModelFailed, load.Fallback?.Reason);
        Assert.Equal("30", load.Value.ToString());
        Assert.Contains("not a finite number", load.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Tick_APodGoesSilent_ItsRateIsCarriedAndTheValueCannotFall()
    {
        var (harness, models) = Create();
        using var _ = harness;
        var forecaster = new AdjustableForecaster { Upper = 130 };
        models.Forecaster = () => forecaster;
        Assert.Equal("130", Load(harness.RunTick(ThreePods)).Value.ToString());

        forecaster.Upper = 50;
        harness.RunTick(new Dictionary<string, double> { ["checkout-a"] = 10, ["checkout-b"] = 10 });
        var silent = Load(harness.RunTick(new Dictionary<string, double> { ["checkout-a"] = 10, ["checkout-b"] = 10 }));

        Assert.Equal(FallbackReasons.PodsSilent, silent.Fallback?.Reason);
        Assert.Equal(1, silent.Inputs.PodsSilent);
        Assert.Equal(30, silent.Inputs.ObservedRequestsPerSecond);
        Assert.Equal("130", silent.Value.ToString());
        Assert.Equal(DecisionRules.HeldBeforeSilence, silent.Model);
    }

    [Theory]
    [InlineData("carried", 3, 30.0, FallbackReasons.PodsSilent)]
    [InlineData("carried", 16, 20.0, null)]
    [InlineData("absorbed", 3, 30.0, null)]
    [InlineData("replaced", 3, 30.0, null)]
    public void Tick_ASilentPod_IsGoneOnlyOnEvidenceOrPastTheLimit(string situation, int minutes, double observed, string? reason)
    {
        var (harness, _) = Create();
        using var _ = harness;
        harness.RunTick(ThreePods);

        var others = situation switch
        {
            "absorbed" => new Dictionary<string, double> { ["checkout-a"] = 15, ["checkout-b"] = 15 },
            "replaced" => new Dictionary<string, double> { ["checkout-a"] = 10, ["checkout-b"] = 10, ["checkout-d"] = 10 },
            _ => new Dictionary<string, double> { ["checkout-a"] = 10, ["checkout-b"] = 10 },
        };
        IReadOnlyList<Decision> decisions = [];
        for (var i = 0; i < minutes * 4; i++)
        {
            decisions = harness.RunTick(others);
        }

        var load = Load(decisions);
        Assert.Equal(reason, load.Fallback?.Reason);
        Assert.Equal(reason is null ? 0 : 1, load.Inputs.PodsSilent);
        Assert.Equal(observed, load.Inputs.ObservedRequestsPerSecond);
    }

    [Fact]
    public void Tick_APodThatSaidItWasStopping_IsGoneAtOnceWithoutFallback()
    {
        var (harness, _) = Create();
        using var _ = harness;
        harness.RunTick(ThreePods);
        harness.Clock.Advance(TimeSpan.FromSeconds(5));
        harness.Report("checkout-c", 10, flags: ObservationFlags.PodStopping);

        var load = Load(harness.RunTick(new Dictionary<string, double> { ["checkout-a"] = 10, ["checkout-b"] = 10 }));

        Assert.Null(load.Fallback);
        Assert.Equal(2, load.Inputs.PodsReporting);
        Assert.Equal(20, load.Inputs.ObservedRequestsPerSecond);
    }

    [Fact]
    public void Tick_NoPodReportsLatency_ScoreIsZeroMarkedNoLatencyData()
    {
        var (harness, _) = Create();
        using var _ = harness;

        var score = Score(harness.RunTick(ThreePods));

        Assert.Equal(FallbackReasons.NoLatencyData, score.Fallback?.Reason);
        Assert.Equal("0", score.Value.ToString());
        Assert.Null(score.Horizon);
    }

    [Theory]
    [InlineData(true, false, FallbackReasons.ModelFailed)]
    [InlineData(false, false, FallbackReasons.ModelNotWarm)]
    [InlineData(false, true, null)]
    public void Tick_DetectorStates_ScoreFollowsTheRules(bool throws, bool warm, string? reason)
    {
        var (harness, models) = Create();
        using var _ = harness;
        models.Detector = () => new ScriptedDetector(0.25, warm, throws ? new InvalidOperationException("bad") : null);
        var latency = Latency(50, 2);

        IReadOnlyList<Decision> decisions = [];
        for (var i = 0; i < 4; i++)
        {
            harness.Clock.Advance(TimeSpan.FromSeconds(5));
            harness.Report("checkout-a", 10, latency, score: 0.6);
            decisions = harness.RunTick(new Dictionary<string, double> { ["checkout-b"] = 10 }, latency);
        }

        var score = Score(decisions);
        Assert.Equal(reason, score.Fallback?.Reason);
        Assert.Equal(reason is null ? "250m" : "600m", score.Value.ToString());
        Assert.NotNull(score.Inputs.Latency);
    }

    private sealed class AdjustableForecaster : IForecaster
    {
        public double Upper { get; set; }

        public string Name => "adjustable";

        public string StateKey => "adjustable";

        public long Observations { get; private set; }

        public bool IsWarm => true;

        public void Learn(double value) => Observations++;

        public void Skip() => Observations++;

        public Forecast Forecast(int horizon) => new(Upper * 0.8, Upper);

        public void WriteState(StateWriter writer) => writer.Write(Observations);

        public void ReadState(StateReader reader) => Observations = reader.ReadInt64();
    }
}
