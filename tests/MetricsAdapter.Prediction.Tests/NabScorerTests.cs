using MetricsAdapter.Prediction.Evaluation;

namespace MetricsAdapter.Prediction.Tests;

/// <summary>NAB's rules on hand-made files small enough to check by hand.</summary>
public sealed class NabScorerTests
{
    private static readonly NabProfile Standard = NabProfile.All[0];

    private static NabFile File(string category, int rows, params (int Start, int End)[] windows) =>
        NabTestFiles.Flat(category + "/f.csv", rows, windows);

    private static double[] Detections(int rows, params int[] at)
    {
        var scores = new double[rows];
        foreach (var i in at)
        {
            scores[i] = 1.0;
        }

        return scores;
    }

    [Theory]
    [InlineData(-1.0, 0.9866142981514305)]
    [InlineData(-0.5, 0.8482836399575131)]
    [InlineData(0.0, 0.0)]
    [InlineData(3.0, -0.9999994)]
    [InlineData(3.5, -1.0)]
    public void ScaledSigmoid_MatchesNab(double y, double expected) =>
        Assert.Equal(expected, NabScorer.ScaledSigmoid(y), 6);

    [Fact]
    public void Score_NullAndPerfectDetectors_Are0And100()
    {
        var files = new[] { File("a", 100, (40, 49)), File("b", 200, (60, 69), (150, 159)) };
        var scorer = new NabScorer(files);

        var none = scorer.Score([new double[100], new double[200]], Standard);
        var perfect = scorer.Score([Detections(100, 40), Detections(200, 60, 150)], Standard);

        Assert.Equal(0.0, none.Score, 9);
        Assert.Equal(3, none.MissedWindows);
        Assert.Equal(100.0, perfect.Score, 9);
        Assert.Equal((3, 0, 0), (perfect.DetectedWindows, perfect.MissedWindows, perfect.FalsePositiveRows));
    }

    [Fact]
    public void Score_OnlyTheEarliestDetectionInAWindowCounts()
    {
        var scorer = new NabScorer([File("a", 100, (40, 49))]);

        var early = scorer.ScoreAt([Detections(100, 40)], Standard, 0.5);
        var earlyAndLate = scorer.ScoreAt([Detections(100, 40, 45, 48)], Standard, 0.5);
        var late = scorer.ScoreAt([Detections(100, 48)], Standard, 0.5);

        Assert.Equal(early.RawScore, earlyAndLate.RawScore, 12);
        Assert.Equal(1.0, early.RawScore, 12);
        // Row 48 of a 10-row window ending at 49: y = −(49 − 48 + 1)/10, scaled by the best possible σ(−1).
        Assert.Equal(NabScorer.ScaledSigmoid(-0.2) / NabScorer.ScaledSigmoid(-1), late.RawScore, 12);
    }

    [Fact]
    public void Score_FalsePositives_CostMoreFartherFromTheLastWindow_AndFullBeforeAnyWindow()
    {
        var scorer = new NabScorer([File("a", 200, (60, 69))]);

        var beforeAnyWindow = scorer.ScoreAt([Detections(200, 30)], Standard, 0.5);
        var justAfter = scorer.ScoreAt([Detections(200, 70)], Standard, 0.5);
        var farAfter = scorer.ScoreAt([Detections(200, 190)], Standard, 0.5);

        Assert.Equal(-1.0 - 0.11, beforeAnyWindow.RawScore, 9);
        Assert.Equal(-1.0 + (NabScorer.ScaledSigmoid(1.0 / 9) * 0.11), justAfter.RawScore, 9);
        Assert.Equal(-1.0 - 0.11, farAfter.RawScore, 4);
        Assert.Equal(1, justAfter.FalsePositiveRows);
    }

    [Fact]
    public void Score_DetectionsInTheProbationaryPeriod_CountForNothing()
    {
        var scorer = new NabScorer([File("a", 100, (40, 49))]);

        var probation = scorer.ScoreAt([Detections(100, 3, 10, 14)], Standard, 0.5);

        Assert.Equal(-1.0, probation.RawScore, 12);
        Assert.Equal(0, probation.FalsePositiveRows);
    }

    [Fact]
    public void Score_ChoosesTheThresholdThatMaximisesTheTotal()
    {
        var scorer = new NabScorer([File("a", 200, (60, 69))]);
        var scores = new double[200];
        scores[62] = 0.6;
        scores[150] = 0.9;
        scores[160] = 0.8;

        var result = scorer.Score([scores], Standard);

        Assert.Equal(0.6, result.Threshold);
        Assert.Equal((1, 2), (result.DetectedWindows, result.FalsePositiveRows));
        Assert.True(result.RawScore > scorer.ScoreAt([scores], Standard, 1.1).RawScore);
    }

    [Fact]
    public void Score_LowFnProfile_DoublesTheCostOfMisses()
    {
        var scorer = new NabScorer([File("a", 100, (40, 49))]);

        var missed = scorer.ScoreAt([new double[100]], NabProfile.All[2], 0.5);

        Assert.Equal(-2.0, missed.RawScore, 12);
        Assert.Equal(0.0, missed.Score, 12);
    }
}
