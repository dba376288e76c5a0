using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Onnx.Tests;

public sealed class OnnxAutoencoderDetectorTests : IDisposable
{
    private readonly OnnxModel _model = OnnxModel.Load(ShippedModels.Detector, OnnxModelMetadata.Detector);

    public void Dispose() => _model.Dispose();

    private static double Latency(int i) => 0.120 + (0.02 * Math.Sin(i * 2 * Math.PI / 48)) + (0.004 * Math.Sin(i * 1.7));

    [Fact]
    public void Score_WarmUpThenOrdinaryThenASpike_ZeroHighAndInRange()
    {
        var detector = new OnnxAutoencoderDetector(_model);
        var scores = Enumerable.Range(0, 600).Select(i => detector.ScoreAndLearn(Latency(i))).ToList();

        Assert.All(scores.Take(_model.Metadata.Window * 2 - 1), s => Assert.Equal(0, s));
        Assert.True(detector.IsWarm);
        Assert.All(scores, s => Assert.InRange(s, 0, 1));
        Assert.True(scores.Skip(300).Average() < 0.6, $"ordinary data averages {scores.Skip(300).Average():0.00}");

        var spike = detector.ScoreAndLearn(Latency(600) * 8);
        Assert.True(spike > 0.99, $"a spike of ×8 scores {spike:0.000}");
    }

    [Fact]
    public void Score_SameSeriesOnAnotherScale_SameScores()
    {
        var small = new OnnxAutoencoderDetector(_model);
        var large = new OnnxAutoencoderDetector(_model);
        for (var i = 0; i < 300; i++)
        {
            var value = i == 250 ? Latency(i) * 5 : Latency(i);
            // float32 inside the graph and the graph's small epsilons make it equal to about 1e-3, not bit for bit.
            Assert.Equal(small.ScoreAndLearn(value), large.ScoreAndLearn(value * 1000), 0.005);
        }
    }

    [Fact]
    public void Restore_Snapshot_ScoresExactlyAsTheOriginal()
    {
        var original = new OnnxAutoencoderDetector(_model);
        for (var i = 0; i < 200; i++)
        {
            original.ScoreAndLearn(Latency(i));
        }

        var copy = new OnnxAutoencoderDetector(_model);
        copy.Restore(original.Snapshot());

        for (var i = 200; i < 260; i++)
        {
            Assert.Equal(original.ScoreAndLearn(Latency(i)), copy.ScoreAndLearn(Latency(i)));
        }
    }

    [Fact]
    public void Hybrid_AutoencoderAsTheMachineLearningSide_ScoresInRange()
    {
        var hybrid = new HybridDetector(new OnnxAutoencoderDetector(_model), new MultiChannelLikelihoodDetector());

        var scores = Enumerable.Range(0, 400).Select(i => hybrid.ScoreAndLearn(i == 390 ? Latency(i) * 8 : Latency(i))).ToList();

        Assert.All(scores, s => Assert.InRange(s, 0, 1));
        Assert.True(scores[390] > 0.5, $"the spike scores {scores[390]:0.00}");
    }

    [Fact]
    public void Create_WithAForecasterModel_IsRefused()
    {
        using var forecaster = OnnxModel.Load(ShippedModels.Forecaster);

        Assert.Throws<OnnxModelException>(() => new OnnxAutoencoderDetector(forecaster));
    }
}
