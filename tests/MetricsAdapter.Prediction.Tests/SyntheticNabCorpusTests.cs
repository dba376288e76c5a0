using MetricsAdapter.Prediction.Evaluation;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Prediction.Tests;

public sealed class SyntheticNabCorpusTests
{
    [Fact]
    public void Generate_SameSeed_SameCorpus_OtherSeed_Another()
    {
        var first = SyntheticNabCorpus.Generate(2, seed: 7);
        var again = SyntheticNabCorpus.Generate(2, seed: 7);
        var other = SyntheticNabCorpus.Generate(2, seed: 8);

        Assert.Equal(first.Select(f => f.Series.Values.ToArray()), again.Select(f => f.Series.Values.ToArray()));
        Assert.Equal(first.Select(f => f.Windows), again.Select(f => f.Windows));
        Assert.NotEqual(first.Select(f => f.Series.Values.Sum()), other.Select(f => f.Series.Values.Sum()));
    }

    [Fact]
    public void Generate_EveryCategory_FilesOfTheirKind_FiniteValues()
    {
        var corpus = SyntheticNabCorpus.Generate(3, seed: 1);

        Assert.Equal(SyntheticNabCorpus.Categories.Count * 3, corpus.Count);
        Assert.Equal(SyntheticNabCorpus.Categories, corpus.Select(f => f.Category).Distinct());
        Assert.All(corpus, file => Assert.All(file.Series.Values, value => Assert.True(double.IsFinite(value))));
        Assert.All(corpus.Where(f => f.Category == "syntheticNoAnomaly"), file => Assert.Empty(file.Windows));
        Assert.All(corpus, file => Assert.All(file.Windows, w => Assert.True(w.Start >= file.Probation && w.End < file.Series.Count && w.Start <= w.End)));
        Assert.True(corpus.Where(f => f.Category != "syntheticNoAnomaly").Count(f => f.Windows.Count > 0) >= 15);
    }

    [Fact]
    public void Windows_FollowNabsRules()
    {
        // 10% of 4,000 rows shared by two labels: 200 wide, centred; one starting in probation (600 rows) is dropped.
        Assert.Equal([(900, 1100), (2900, 3100)], SyntheticNabCorpus.Windows(4000, [1000, 3000]));
        Assert.Equal([(2900, 3100)], SyntheticNabCorpus.Windows(4000, [600, 3000]));

        // Overlapping windows merge.
        Assert.Equal([(1900, 2150)], SyntheticNabCorpus.Windows(4000, [2000, 2050]));
        Assert.Empty(SyntheticNabCorpus.Windows(4000, []));
    }

    [Fact]
    public void Write_ThenLoad_GivesTheSameCorpus()
    {
        using var directory = new TemporaryDirectory();
        var corpus = SyntheticNabCorpus.Generate(1, seed: 5);

        SyntheticNabCorpus.Write(corpus, directory.Path);
        var loaded = NabCorpus.Load(Path.Combine(directory.Path, "data"), Path.Combine(directory.Path, "labels", "combined_windows.json"));

        Assert.Equal(corpus.Select(f => f.RelativePath).Order(StringComparer.Ordinal), loaded.Select(f => f.RelativePath));
        foreach (var file in loaded)
        {
            var original = corpus.Single(f => f.RelativePath == file.RelativePath);
            Assert.Equal(original.Series.Values, file.Series.Values);
            Assert.Equal(original.Windows, file.Windows);
        }
    }
}
