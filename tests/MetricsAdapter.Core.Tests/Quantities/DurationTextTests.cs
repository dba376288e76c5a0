using MetricsAdapter.Core.Quantities;

namespace MetricsAdapter.Core.Tests.Quantities;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("300ms", 0.3)]
    [InlineData("90s", 90)]
    [InlineData("2m", 120)]
    [InlineData("1.5h", 5400)]
    public void TryParse_FromMilliseconds_ReadsEachUnit(string text, double seconds)
    {
        Assert.True(DurationText.TryParse(text, DurationText.FromMilliseconds, out var span));
        Assert.Equal(TimeSpan.FromSeconds(seconds), span);
    }

    [Theory]
    [InlineData("7d")]
    [InlineData("5")]
    [InlineData("s")]
    [InlineData("-5s")]
    [InlineData("NaNs")]
    [InlineData("1e15s")]
    [InlineData("1e300m")]
    public void TryParse_NotADurationOrBeyondATimeSpan_IsFalse(string text)
    {
        Assert.False(DurationText.TryParse(text, DurationText.FromMilliseconds, out _));
    }

    [Fact]
    public void TryParse_UpToDays_ReadsDaysButNotMilliseconds()
    {
        Assert.True(DurationText.TryParse("7d", DurationText.UpToDays, out var week));
        Assert.Equal(TimeSpan.FromDays(7), week);
        Assert.False(DurationText.TryParse("1e12d", DurationText.UpToDays, out _));
    }
}
