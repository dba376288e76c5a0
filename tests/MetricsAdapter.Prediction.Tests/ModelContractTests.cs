using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Prediction.Forecasting;
using MetricsAdapter.Prediction.Onnx;
using MetricsAdapter.Prediction.State;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Prediction.Tests;

/// <summary>
/// One contract, every model: determinism, warm-up, output range, broken input, and snapshot/restore continuing
/// exactly where the original would have gone.
/// </summary>
public sealed class ModelContractTests
{
    private const int Season = 24;

    // The shipped ONNX models (tools/training/models), loaded once: sessions are shared, as in the adapter.
    private static readonly Lazy<OnnxModel> LstmModel = new(() => OnnxModel.Load(ShippedModel("forecaster-lstm.onnx"), OnnxModelMetadata.Forecaster));
    private static readonly Lazy<OnnxModel> AutoencoderModel = new(() => OnnxModel.Load(ShippedModel("detector-autoencoder.onnx"), OnnxModelMetadata.Detector));

    /// <summary>
    /// How to build one of every forecaster type, keyed by the type's name. <see cref="Suite_CoversEveryModelFoundByReflection"/>
    /// fails when a type implementing <see cref="IForecaster"/> or <see cref="IAnomalyDetector"/> has no recipe here, so
    /// a new model cannot escape the contract.
    /// </summary>
    private static readonly Dictionary<string, Func<IForecaster>> ForecasterRecipes = new(StringComparer.Ordinal)
    {
        [nameof(LastValueForecaster)] = () => new LastValueForecaster(),
        [nameof(SeasonalNaiveForecaster)] = () => new SeasonalNaiveForecaster(Season),
        [nameof(SimpleExponentialSmoothing)] = () => new SimpleExponentialSmoothing(0.1),
        [nameof(HoltForecaster)] = () => new HoltForecaster(0.3, 0.1, 0.9),
        [nameof(HoltWintersForecaster)] = () => new HoltWintersForecaster(Season, 0.3, 0.05, 0.1),
        [nameof(DoubleSeasonalForecaster)] = () => new DoubleSeasonalForecaster(Season, 7 * Season, 0.2, 0.1, 0.05),
        [nameof(BlendForecaster)] = () => new BlendForecaster([new LastValueForecaster(), new SimpleExponentialSmoothing(0.3), new HoltWintersForecaster(Season, 0.2, 0.0, 0.1)], 2),
        [nameof(QuantileForecaster)] = () => Forecasters.CreateDefault(Season, 2),
        [nameof(OnnxForecaster)] = () => new OnnxForecaster(new OnnxForecastBatcher(LstmModel.Value)),
    };

    /// <summary>See <see cref="ForecasterRecipes"/>.</summary>
    private static readonly Dictionary<string, Func<IAnomalyDetector>> DetectorRecipes = new(StringComparer.Ordinal)
    {
        [nameof(EwmaZScoreDetector)] = () => new EwmaZScoreDetector(),
        [nameof(RobustZScoreDetector)] = () => new RobustZScoreDetector(),
        [nameof(CusumDetector)] = () => new CusumDetector(),
        [nameof(IsolationForestDetector)] = () => new IsolationForestDetector(seed: 7),
        [nameof(MultiChannelLikelihoodDetector)] = () => new MultiChannelLikelihoodDetector(),
        [nameof(HybridDetector)] = () => new HybridDetector(new IsolationForestDetector(seed: 7), new MultiChannelLikelihoodDetector()),
        [nameof(OnnxAutoencoderDetector)] = () => new OnnxAutoencoderDetector(AutoencoderModel.Value),
    };

    public static TheoryData<string> ForecasterNames => new(ForecasterRecipes.Keys);

    public static TheoryData<string> DetectorNames => new(DetectorRecipes.Keys);

    private static string ShippedModel(string file) => Path.Combine(SharedData.RepositoryRoot, "tools", "training", "models", file);

    [Fact]
    public void Suite_CoversEveryModelFoundByReflection()
    {
        var models = new[] { typeof(IForecaster).Assembly, typeof(OnnxForecaster).Assembly }
            .SelectMany(assembly => assembly.GetTypes())
            .Where(type => type is { IsClass: true, IsAbstract: false } && (typeof(IForecaster).IsAssignableFrom(type) || typeof(IAnomalyDetector).IsAssignableFrom(type)))
            .Select(type => type.Name)
            .Order(StringComparer.Ordinal);

        Assert.Equal(models, ForecasterRecipes.Keys.Concat(DetectorRecipes.Keys).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Suite_CoversEveryModelTheFactoriesMake()
    {
        Assert.All(Forecasters.Names, name => Assert.Contains(Forecasters.Create(name, Season, 2).GetType().Name, ForecasterRecipes.Keys));
        Assert.All(Detectors.Names, name => Assert.Contains(Detectors.Create(name).GetType().Name, DetectorRecipes.Keys));
    }

    /// <summary>A day-periodic load with noise, a trend, a surge and a flat stretch: enough to exercise every branch.</summary>
    private static double[] Series(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(t =>
        {
            var value = 100 + (40 * Math.Sin(2 * Math.PI * t / Season)) + (0.05 * t) + (random.NextDouble() * 10);
            if (t % 300 is > 250 and < 260)
            {
                value *= 3;
            }

            return t % 500 is > 450 and < 470 ? 80.0 : value;
        }).ToArray();
    }

    private static IForecaster Forecaster(string name) => ForecasterRecipes[name]();

    [Theory]
    [MemberData(nameof(ForecasterNames))]
    public void Forecaster_SameInput_SameForecasts(string name)
    {
        var data = Series(1200, 1);
        var first = Forecaster(name);
        var second = Forecaster(name);

        var a = data.Select(v => { first.Learn(v); return first.Forecast(2); }).ToArray();
        var b = data.Select(v => { second.Learn(v); return second.Forecast(2); }).ToArray();

        Assert.Equal(a, b);
    }

    [Theory]
    [MemberData(nameof(ForecasterNames))]
    public void Forecaster_ColdStart_ForecastsZeroThenFiniteValues_AndWarmsUp(string name)
    {
        var model = Forecaster(name);
        Assert.Equal(new Forecast(0, 0), model.Forecast(1));
        Assert.False(model.IsWarm);

        foreach (var value in Series(20 * Season, 2))
        {
            model.Learn(value);
            var forecast = model.Forecast(2);
            Assert.True(double.IsFinite(forecast.Point) && double.IsFinite(forecast.Upper));
            Assert.True(forecast.Upper >= forecast.Point || model is not QuantileForecaster || forecast.Upper - forecast.Point > -1e6);
        }

        Assert.True(model.IsWarm, $"{name} not warm after {model.Observations} observations");
    }

    [Theory]
    [MemberData(nameof(ForecasterNames))]
    public void Forecaster_NonFiniteObservation_IsAMissingStep(string name)
    {
        var data = Series(400, 3);
        var withNaN = Forecaster(name);
        var skipping = Forecaster(name);
        for (var t = 0; t < data.Length; t++)
        {
            if (t % 37 == 5)
            {
                withNaN.Learn(t % 2 == 0 ? double.NaN : double.PositiveInfinity);
                skipping.Skip();
            }
            else
            {
                withNaN.Learn(data[t]);
                skipping.Learn(data[t]);
            }

            Assert.Equal(skipping.Forecast(2), withNaN.Forecast(2));
            Assert.True(double.IsFinite(withNaN.Forecast(2).Point));
        }

        Assert.Equal(data.Length, withNaN.Observations);
    }

    [Theory]
    [MemberData(nameof(ForecasterNames))]
    public void Forecaster_SnapshotRestore_ContinuesIdentically(string name)
    {
        var data = Series(3 * 7 * Season, 4);
        var original = Forecaster(name);
        foreach (var value in data.Take(data.Length / 2))
        {
            original.Learn(value);
        }

        var restored = Forecaster(name);
        restored.Restore(original.Snapshot());

        foreach (var value in data.Skip(data.Length / 2))
        {
            Assert.Equal(original.Forecast(3), restored.Forecast(3));
            original.Learn(value);
            restored.Learn(value);
        }

        Assert.Equal(original.Observations, restored.Observations);
        Assert.Equal(original.Snapshot(), restored.Snapshot());
    }

    [Fact]
    public void Forecaster_SnapshotOfAnotherModel_IsRefused()
    {
        var snapshot = new HoltForecaster(0.3, 0.1).Snapshot();

        var error = Assert.Throws<ModelStateException>(() => new HoltForecaster(0.5, 0.1).Restore(snapshot));
        Assert.Contains("cannot restore", error.Message, StringComparison.Ordinal);
        Assert.Throws<ModelStateException>(() => new HoltForecaster(0.3, 0.1).Restore(snapshot[..^3]));
    }

    private static IAnomalyDetector Detector(string name) => DetectorRecipes[name]();

    [Theory]
    [MemberData(nameof(DetectorNames))]
    public void Detector_SameInputAndSeed_SameScores(string name)
    {
        var data = Series(1500, 5);
        var first = Detector(name);
        var second = Detector(name);

        Assert.Equal(data.Select(first.ScoreAndLearn).ToArray(), data.Select(second.ScoreAndLearn).ToArray());
    }

    [Theory]
    [MemberData(nameof(DetectorNames))]
    public void Detector_ScoresAreInUnitRange_ZeroDuringWarmUp(string name)
    {
        var detector = Detector(name);
        var warmScores = new List<double>();
        foreach (var value in Series(2000, 6))
        {
            var wasWarm = detector.IsWarm;
            var score = detector.ScoreAndLearn(value);
            Assert.InRange(score, 0.0, 1.0);
            if (!wasWarm)
            {
                Assert.Equal(0.0, score);
            }

            if (wasWarm)
            {
                warmScores.Add(score);
            }
        }

        Assert.True(detector.IsWarm);
        Assert.Contains(warmScores, s => s > 0);
    }

    [Theory]
    [MemberData(nameof(DetectorNames))]
    public void Detector_NonFiniteValue_ScoresZero_AndLeavesTheStateAlone(string name)
    {
        var data = Series(800, 8);
        var clean = Detector(name);
        var dirty = Detector(name);
        for (var t = 0; t < data.Length; t++)
        {
            if (t % 50 == 10)
            {
                Assert.Equal(0.0, dirty.ScoreAndLearn(double.NaN));
                Assert.Equal(0.0, dirty.ScoreAndLearn(double.NegativeInfinity));
            }

            Assert.Equal(clean.ScoreAndLearn(data[t]), dirty.ScoreAndLearn(data[t]));
        }
    }

    [Theory]
    [MemberData(nameof(DetectorNames))]
    public void Detector_SnapshotRestore_ContinuesIdentically(string name)
    {
        var data = Series(2400, 9);
        var original = Detector(name);
        foreach (var value in data.Take(1300))
        {
            original.ScoreAndLearn(value);
        }

        var restored = Detector(name);
        restored.Restore(original.Snapshot());

        foreach (var value in data.Skip(1300))
        {
            Assert.Equal(original.ScoreAndLearn(value), restored.ScoreAndLearn(value));
        }

        Assert.Equal(original.Snapshot(), restored.Snapshot());
    }

    [Theory]
    [MemberData(nameof(DetectorNames))]
    public void Detector_Score_IsTheScoreLearningWouldGive_AndChangesNothing(string name)
    {
        var data = Series(2000, 11);
        var scored = Detector(name);
        var learned = Detector(name);
        for (var t = 0; t < data.Length; t++)
        {
            var before = scored.Snapshot();
            var score = scored.Score(data[t]);
            Assert.Equal(score, scored.Score(data[t]));
            Assert.Equal(before, scored.Snapshot());

            // Score then Learn reaches the state ScoreAndLearn reaches, and the same score.
            Assert.Equal(learned.ScoreAndLearn(data[t]), score);
            scored.Learn(data[t]);
            Assert.Equal(learned.Snapshot(), scored.Snapshot());
        }

        Assert.Equal(0.0, scored.Score(double.NaN));
    }

    [Theory]
    [MemberData(nameof(DetectorNames))]
    public void Detector_ValuesNotLearned_LeaveNoTrace(string name)
    {
        // A caller that withholds anomalies from learning: the detector goes on as if they never came.
        var data = Series(1600, 12);
        var withheld = Detector(name);
        var neverSaw = Detector(name);
        for (var t = 0; t < data.Length; t++)
        {
            if (t % 97 == 50)
            {
                withheld.Score(data[t] * 40);
            }

            Assert.Equal(neverSaw.ScoreAndLearn(data[t]), withheld.ScoreAndLearn(data[t]));
        }
    }

    [Fact]
    public void Detector_ObviousSpikeAfterWarmUp_ScoresHigherThanNormalPoints()
    {
        foreach (var name in DetectorRecipes.Keys)
        {
            var detector = Detector(name);
            var random = new Random(10);
            var normal = new List<double>();
            for (var t = 0; t < 1500; t++)
            {
                var score = detector.ScoreAndLearn(50 + (random.NextDouble() * 5));
                if (t > 1200)
                {
                    normal.Add(score);
                }
            }

            var spike = detector.ScoreAndLearn(500);

            Assert.True(spike > normal.Average(), $"{name}: spike {spike} vs mean {normal.Average()}");
        }
    }
}
