namespace MetricsAdapter.Sidecar.Tests;

public sealed class SidecarLoopTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Phase = TimeSpan.FromMilliseconds(1234);
    private static readonly DateTimeOffset Boundary = new DateTimeOffset(2026, 12, 5, 1, 0, 0, TimeSpan.Zero) + Phase;

    [Fact]
    public void NextDue_FirstTick_IsTheNextBoundaryOfThePodsPhase()
    {
        Assert.Equal(Boundary, SidecarLoop.NextDue(Boundary - TimeSpan.FromSeconds(3), null, Phase, Interval));
        Assert.Equal(Boundary + Interval, SidecarLoop.NextDue(Boundary, null, Phase, Interval));
    }

    [Fact]
    public void NextDue_TimerFiredAMillisecondEarly_DoesNotScrapeTheSameBoundaryTwice()
    {
        var early = Boundary - TimeSpan.FromMilliseconds(1);

        Assert.Equal(Boundary + Interval, SidecarLoop.NextDue(early, Boundary, Phase, Interval));
    }

    [Fact]
    public void NextDue_AfterASlowScrapePastSeveralBoundaries_RealignsInsteadOfCatchingUp()
    {
        var late = Boundary + (Interval * 3) + TimeSpan.FromMilliseconds(10);

        Assert.Equal(Boundary + (Interval * 4), SidecarLoop.NextDue(late, Boundary, Phase, Interval));
    }
}
