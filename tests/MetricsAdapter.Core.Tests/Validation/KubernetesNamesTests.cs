using MetricsAdapter.Core.Validation;

namespace MetricsAdapter.Core.Tests.Validation;

public sealed class KubernetesNamesTests
{
    [Theory]
    [InlineData("demo", true)]
    [InlineData("a", true)]
    [InlineData("0", true)]
    [InlineData("team-a", true)]
    [InlineData("a-", false)]
    [InlineData("-a", false)]
    [InlineData("Demo", false)]
    [InlineData("a.b", false)]
    [InlineData("a_b", false)]
    [InlineData("", false)]
    [InlineData("ä", false)]
    public void ValidateDns1123Label_FollowsRfc1123(string name, bool valid)
    {
        Assert.Equal(valid, KubernetesNames.ValidateDns1123Label(name) is null);
    }

    [Fact]
    public void ValidateDns1123Label_TooLong_SaysTheLimit()
    {
        Assert.Null(KubernetesNames.ValidateDns1123Label(new string('a', 63)));
        Assert.Equal("must be no more than 63 characters", KubernetesNames.ValidateDns1123Label(new string('a', 64)));
    }

    [Theory]
    [InlineData("app", true)]
    [InlineData("App_1.x-y", true)]
    [InlineData("example.com/name", true)]
    [InlineData("metrics-adapter.io/inject", true)]
    [InlineData("/name", false)]
    [InlineData("example.com/", false)]
    [InlineData("Example.com/name", false)]
    [InlineData("a/b/c", false)]
    [InlineData("_a", false)]
    public void ValidateQualifiedName_AllowsOptionalPrefix(string name, bool valid)
    {
        Assert.Equal(valid, KubernetesNames.ValidateQualifiedName(name) is null);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("v1.2_x-y", true)]
    [InlineData("-v", false)]
    [InlineData("v ", false)]
    public void ValidateLabelValue_AllowsEmpty(string value, bool valid)
    {
        Assert.Equal(valid, KubernetesNames.ValidateLabelValue(value) is null);
    }
}
