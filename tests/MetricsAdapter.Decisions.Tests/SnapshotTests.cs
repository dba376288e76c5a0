using MetricsAdapter.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static MetricsAdapter.Decisions.Tests.DecisionHarness;

namespace MetricsAdapter.Decisions.Tests;

/// <summary>A restart of the adapter does not start every service cold.</summary>
public sealed class SnapshotTests
{
    private static readonly Dictionary<string, double> Pods = new() { ["a"] = 20, ["b"] = 25 };

    [Fact]
    public void Restore_AfterTwentyMinutes_ContinuesExactlyAsIfNeverStopped()
    {
        using var original = new DecisionHarness();
        for (var i = 0; i < 80; i++)
        {
            original.RunTick(new Dictionary<string, double> { ["a"] = 20 + (i % 7), ["b"] = 25 });
        }

        using var snapshot = new MemoryStream();
        original.Manager.WriteSnapshot(snapshot);
        using var restored = new DecisionHarness();
        restored.Clock.Advance(original.Clock.GetUtcNow() - restored.Clock.GetUtcNow());
        var restore = restored.Manager.ReadSnapshot(new MemoryStream(snapshot.ToArray()));

        Assert.Equal(new SnapshotRestore(1, 0, 0, null), restore);
        var expected = Load(original.RunTick(Pods));
        var actual = Load(restored.RunTick(Pods));
        Assert.Null(actual.Fallback);
        Assert.Equal(expected.Value, actual.Value);
        Assert.Equal(expected.Inputs, actual.Inputs);
        Assert.Equal(expected.Explanation, actual.Explanation);
    }

    [Fact]
    public void Restore_UnderOtherTickSettings_IsIgnoredWhole()
    {
        using var original = new DecisionHarness();
        original.RunTick(Pods);
        using var snapshot = new MemoryStream();
        original.Manager.WriteSnapshot(snapshot);

        using var other = new DecisionHarness(new DecisionOptions { Tick = TimeSpan.FromSeconds(30) });
        var restore = other.Manager.ReadSnapshot(new MemoryStream(snapshot.ToArray()));

        Assert.Equal(0, restore.Services);
        Assert.NotNull(restore.Ignored);
    }

    [Fact]
    public void Restore_ModelWithOtherParameters_StartsColdButKeepsTheService()
    {
        using var original = new DecisionHarness();
        original.RunTick(Pods);
        using var snapshot = new MemoryStream();
        original.Manager.WriteSnapshot(snapshot);

        using var other = new DecisionHarness(new DecisionOptions { Quantile = 0.95 });
        var restore = other.Manager.ReadSnapshot(new MemoryStream(snapshot.ToArray()));

        Assert.Equal(1, restore.Services);
        Assert.Equal(1, restore.ColdModels);
    }

    [Fact]
    public void Snapshots_SaveThenRestore_ThroughTheFileAndNeverRepeatATick()
    {
        using var directory = new TemporaryDirectory();
        var options = new DecisionOptions { StateDirectory = directory.Path };
        using var original = new DecisionHarness(options);
        original.RunTick(Pods);
        var lastTick = original.Manager.LastTick!.Value;
        var files = new DecisionSnapshots(Microsoft.Extensions.Options.Options.Create(options), NullLogger<DecisionSnapshots>.Instance);
        files.Save(original.Manager);

        using var restored = new DecisionHarness(options);
        files.Restore(restored.Manager);

        Assert.Equal(1, restored.Manager.ServiceCount);
        Assert.True(restored.Manager.NextTick(lastTick - TimeSpan.FromMinutes(1)) > lastTick);
        Assert.False(File.Exists(Path.Combine(directory.Path, DecisionSnapshots.FileName + ".tmp")));
    }

    [Fact]
    public void Restore_ADamagedService_IsSkippedAndTheOthersRestored()
    {
        using var original = new DecisionHarness();
        original.RunTick(Pods);
        original.Report("search-a", 5, service: Core.Pipeline.ServiceKey.Create("shop", "search"));
        original.RunTick(Pods);
        using var snapshot = new MemoryStream();
        original.Manager.WriteSnapshot(snapshot);
        var bytes = snapshot.ToArray();

        // One flipped bit in the middle of the first service's state; the framing stays intact.
        bytes[bytes.Length / 4] ^= 0x10;

        using var restored = new DecisionHarness();
        var restore = restored.Manager.ReadSnapshot(new MemoryStream(bytes));

        Assert.Equal(1, restore.Skipped);
        Assert.Equal(1, restore.Services);
    }

    [Fact]
    public void Restore_DamagedFile_StartsColdWithoutThrowing()
    {
        using var directory = new TemporaryDirectory();
        var options = new DecisionOptions { StateDirectory = directory.Path };
        File.WriteAllBytes(Path.Combine(directory.Path, DecisionSnapshots.FileName), [1, 2, 3, 4, 5]);
        using var harness = new DecisionHarness(options);

        new DecisionSnapshots(Microsoft.Extensions.Options.Options.Create(options), NullLogger<DecisionSnapshots>.Instance).Restore(harness.Manager);

        Assert.Equal(0, harness.Manager.ServiceCount);
    }
}
