using MetricsAdapter.Core.Labels;

namespace MetricsAdapter.Core.Tests.Labels;

public sealed class LabelSetTests
{
    [Fact]
    public void Create_AnyOrder_EqualAndSorted()
    {
        var first = LabelSet.Create(("service", "checkout"), ("env", "prod"));
        var second = LabelSet.Create(("env", "prod"), ("service", "checkout"));

        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.Equal("env=prod,service=checkout", first.ToString());
        Assert.Equal(["env", "service"], first.Keys);
    }

    [Theory]
    [InlineData("", "v", "label key \"\" is invalid")]
    [InlineData("bad key", "v", "label key \"bad key\" is invalid")]
    [InlineData("k", "bad value", "label value \"bad value\" for key \"k\" is invalid")]
    public void TryCreate_InvalidLabel_SaysWhich(string key, string value, string expected)
    {
        Assert.False(LabelSet.TryCreate([new(key, value)], out _, out var error));
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCreate_RepeatedKey_Fails()
    {
        Assert.False(LabelSet.TryCreate([new("k", "1"), new("k", "2")], out _, out var error));
        Assert.Contains("given twice", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_HasNoLabels()
    {
        Assert.Empty(LabelSet.Empty);
        Assert.False(LabelSet.Empty.ContainsKey("a"));
        Assert.Same(LabelSet.Empty, LabelSet.Create(Array.Empty<KeyValuePair<string, string>>()));
    }
}
