using MetricsAdapter.Prediction.Onnx;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Decisions.Tests;

/// <summary>The ONNX models as the decision manager uses them: named by the options, named in every decision record.</summary>
public sealed class OnnxModelsTests
{
    private static string Model(string name) => Path.Combine(SharedData.RepositoryRoot, "tools", "training", "models", name);

    [Fact]
    public void Tick_OnnxForecasterConfigured_DecisionsNameItsNameAndVersion()
    {
        using var catalog = new OnnxModelCatalog();
        var options = new DecisionOptions { ForecasterModel = Model("forecaster-lstm.onnx") };
        using var harness = new DecisionHarness(options, new DefaultServiceModelFactory(options, catalog));
        IReadOnlyList<Core.Decisions.Decision> decisions = [];

        // 40 model steps of one minute (the step the shipped LSTM was trained for): past its window of 32.
        for (var tick = 0; tick < 40 * 4; tick++)
        {
            decisions = harness.RunTick(new Dictionary<string, double> { ["pod-a"] = 50 + (tick % 8), ["pod-b"] = 52 }, DecisionHarness.Latency(100, 3));
        }

        var load = DecisionHarness.Load(decisions);
        Assert.Null(load.Fallback);
        Assert.Equal("onnx:forecaster-lstm", load.Model.Name);
        Assert.Matches("^1\\.0\\.0\\+[0-9a-f]{8}$", load.Model.Version);
        Assert.InRange(load.Value!.Value.ToDouble(), 90, 250);
    }

    [Fact]
    public void Tick_OnnxDetectorAsTheHybridsMachineLearnedSide_DecisionsNameBothSides()
    {
        using var catalog = new OnnxModelCatalog();

        // The shipped autoencoder was trained on 5-minute NAB data: the model step must match.
        var options = new DecisionOptions
        {
            ModelStep = TimeSpan.FromMinutes(5),
            Horizon = TimeSpan.FromMinutes(10),
            DetectorModel = Model("detector-autoencoder.onnx"),
            DetectorModelHybrid = true,
        };
        using var harness = new DecisionHarness(options, new DefaultServiceModelFactory(options, catalog));
        IReadOnlyList<Core.Decisions.Decision> decisions = [];
        for (var tick = 0; tick < 70 * 20; tick++)
        {
            decisions = harness.RunTick(new Dictionary<string, double> { ["pod-a"] = 50 }, DecisionHarness.Latency(100, 3 + (tick / 20 % 2)));
        }

        var score = DecisionHarness.Score(decisions);
        Assert.StartsWith("hybrid(onnx:detector-autoencoder@1.0.0+", score.Model.Name, StringComparison.Ordinal);
        Assert.EndsWith(",mcl)", score.Model.Name, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(30, 2)]
    [InlineData(60, 5)]
    public void CreateForecaster_ModelForAnotherStepOrAShorterHorizon_IsRefused(int stepSeconds, int horizonMinutes)
    {
        using var catalog = new OnnxModelCatalog();
        var options = new DecisionOptions
        {
            ModelStep = TimeSpan.FromSeconds(stepSeconds),
            Horizon = TimeSpan.FromMinutes(horizonMinutes),
            ForecasterModel = Model("forecaster-lstm.onnx"),
        };

        var forecaster = new DefaultServiceModelFactory(options, catalog).CreateForecaster(DecisionHarness.Checkout);

        Assert.IsNotType<OnnxForecaster>(forecaster);
    }

    [Fact]
    public void CreateForecaster_RefusedFile_StatisticalDefaultServes()
    {
        using var catalog = new OnnxModelCatalog();
        var options = new DecisionOptions { ForecasterModel = "/nonexistent/forecaster.onnx", DetectorModel = " ", ServiceDetectorModels = new Dictionary<string, string> { ["shop/checkout"] = Model("forecaster-lstm.onnx") } };

        var factory = new DefaultServiceModelFactory(options, catalog);

        Assert.IsNotType<OnnxForecaster>(factory.CreateForecaster(DecisionHarness.Checkout));
        Assert.Equal("mcl", factory.CreateDetector(DecisionHarness.Checkout).Name);
        Assert.Equal(2, catalog.Refused.Count);
        Assert.Contains(catalog.Refused, r => r.Reason.Contains("is a forecaster, not a detector", StringComparison.Ordinal));
    }

    [Fact]
    public void CreateForecaster_PerServiceModel_WinsOverTheDefault_AndSharesOneSession()
    {
        using var catalog = new OnnxModelCatalog();
        var options = new DecisionOptions { ServiceForecasterModels = new Dictionary<string, string> { ["shop/checkout"] = Model("forecaster-lstm.onnx") } };
        var factory = new DefaultServiceModelFactory(options, catalog);

        var checkout = factory.CreateForecaster(DecisionHarness.Checkout);
        var again = factory.CreateForecaster(DecisionHarness.Checkout);
        var search = factory.CreateForecaster(Core.Pipeline.ServiceKey.Create("shop", "search"));

        Assert.IsType<OnnxForecaster>(checkout);
        Assert.IsType<OnnxForecaster>(again);
        Assert.IsNotType<OnnxForecaster>(search);
        Assert.True(catalog.TryGetForecaster(Model("forecaster-lstm.onnx"), out var batcher, out _));
        checkout.Learn(10);
        again.Learn(20);
        checkout.Forecast(2);
        Assert.Equal(1, batcher!.Batches);
        Assert.Equal(2, batcher.Rows);
    }

    [Fact]
    public async Task Health_ConfiguredModelRefused_DegradedNamingTheFileAndWhy()
    {
        using var catalog = new OnnxModelCatalog();
        var options = new DecisionOptions { ModelStep = TimeSpan.FromSeconds(30), ForecasterModel = Model("forecaster-lstm.onnx") };
        using var harness = new DecisionHarness(options, new DefaultServiceModelFactory(options, catalog));

        var health = await new DecisionsHealthCheck(harness.Manager, harness.Clock, catalog).CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext());

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, health.Status);
        Assert.Contains("forecaster-lstm.onnx refused (it was trained for a step of 60 s", health.Description, StringComparison.Ordinal);
    }
}
