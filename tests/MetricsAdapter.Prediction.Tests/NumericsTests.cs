using MetricsAdapter.Prediction.Numerics;
using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Tests;

public sealed class NumericsTests
{
    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.1, 0.8875370839817151)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(1.0, 0.15729920705028513)]
    [InlineData(2.0, 0.004677734981047266)]
    [InlineData(3.5, 7.430983723414128e-07)]
    [InlineData(6.0, 2.1519736712498913e-17)]
    [InlineData(-1.0, 1.8427007929497148)]
    public void Erfc_MatchesReferenceValues(double x, double expected)
    {
        Assert.Equal(expected, NormalTail.Erfc(x), Math.Max(1e-15, expected * 1e-13));
    }

    [Fact]
    public void Log10UpperTail_IsContinuousAcrossTheAsymptoticSwitch()
    {
        // The asymptotic series is within a few thousandths of a decade of the exact tail at z = 5.
        Assert.InRange(Math.Abs(NormalTail.Log10UpperTail(4.999999) - NormalTail.Log10UpperTail(5.0)), 0.0, 0.005);
        Assert.InRange(NormalTail.Log10UpperTail(5.0), -6.56, -6.53);
        Assert.InRange(NormalTail.Log10UpperTail(40.0), -350.0, -345.0);
    }

    [Fact]
    public void SortedWindow_KeepsTheLastValuesSorted()
    {
        var window = new SortedWindow(4);
        foreach (var value in new[] { 5.0, 1, 3, 3, 9, 0 })
        {
            window.Add(value);
        }

        Assert.Equal([3.0, 3, 9, 0], window.InArrivalOrder());
        Assert.Equal(0.0, window[0]);
        Assert.Equal(3.0, window.Median());
        Assert.Equal((1, 3), (window.LowerBound(3), window.UpperBound(3)));
    }

    [Fact]
    public void SplitMix_IsSeededAndUniformEnough()
    {
        var a = new SplitMixRandom(42);
        var b = new SplitMixRandom(42);
        var draws = Enumerable.Range(0, 10_000).Select(_ => a.NextDouble()).ToArray();

        Assert.Equal(draws[..5], Enumerable.Range(0, 5).Select(_ => b.NextDouble()));
        Assert.InRange(draws.Average(), 0.48, 0.52);
        Assert.All(draws, d => Assert.InRange(d, 0.0, 0.9999999999));
    }
}

public sealed class SortedWindowDeviationTests
{
    /// <summary>Property: the O(log n) MAD equals sorting every deviation, for random windows and centers.</summary>
    [Fact]
    public void MedianAbsoluteDeviation_MatchesBruteForce()
    {
        var random = new Random(99);
        for (var trial = 0; trial < 3000; trial++)
        {
            var window = new SortedWindow(random.Next(1, 40));
            var values = Enumerable.Range(0, random.Next(1, 60)).Select(_ => (double)random.Next(0, 12)).ToList();
            values.ForEach(window.Add);
            var kept = values.Skip(Math.Max(0, values.Count - window.Capacity)).ToList();
            var center = random.Next(3) == 0 ? random.Next(-2, 14) + 0.5 : window.Median();

            var deviations = kept.Select(v => Math.Abs(v - center)).Order().ToList();
            var n = deviations.Count;
            var expected = n % 2 == 1 ? deviations[n / 2] : 0.5 * (deviations[(n / 2) - 1] + deviations[n / 2]);

            Assert.Equal(expected, window.MedianAbsoluteDeviation(center));
        }
    }
}
