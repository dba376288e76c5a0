using System.Text;
using MetricsAdapter.Bus.Spool;
using MetricsAdapter.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetricsAdapter.Bus.Tests;

public sealed class DecisionSpoolTests
{
    private static readonly DateTimeOffset Time = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    private static SpoolRecord Record(int i) => new(Time.AddSeconds(15 * i), Encoding.UTF8.GetBytes($"shop/s{i % 3}/predicted_load"), Encoding.UTF8.GetBytes($"{{\"id\":\"{i}\"}}"));

    private static DecisionSpool Open(string directory, long maxBytes = 1 << 20, long segmentBytes = 1 << 16) =>
        new(directory, maxBytes, segmentBytes, NullLogger.Instance);

    [Fact]
    public void Append_ThenRead_GivesRecordsInOrderWithTheirTimestamps()
    {
        using var directory = new TemporaryDirectory();
        using var spool = Open(directory.Path);

        Assert.Equal(5, spool.Append(Enumerable.Range(0, 5).Select(Record).ToList()));
        var read = spool.Read(0, 100);

        Assert.Equal([1L, 2, 3, 4, 5], read.Select(e => e.Sequence));
        Assert.Equal(Record(2).Value, read[2].Value);
        Assert.Equal(Record(2).Timestamp, read[2].Timestamp);
        Assert.Equal(5, spool.Depth);
        Assert.Equal([3L, 4], spool.Read(2, 2).Select(e => e.Sequence));
    }

    [Fact]
    public void Reopen_AfterAStop_KeepsEveryUnacknowledgedRecordAndTheCheckpoint()
    {
        using var directory = new TemporaryDirectory();
        using (var spool = Open(directory.Path, segmentBytes: 1024))
        {
            spool.Append(Enumerable.Range(0, 200).Select(Record).ToList());
            spool.HandOff(150);
            spool.Acknowledge(120);
        }

        using var reopened = Open(directory.Path, segmentBytes: 1024);

        Assert.Equal(120, reopened.Acknowledged);
        Assert.Equal(150, reopened.HandedOff);
        Assert.Equal(200, reopened.Committed);
        Assert.Equal(Enumerable.Range(121, 80).Select(i => (long)i), reopened.Read(120, 1000).Select(e => e.Sequence));
        Assert.Equal(201, reopened.Append([Record(200)]) + reopened.Committed - 1);
    }

    [Fact]
    public void Reopen_AfterATornAppend_CutsThePartialRecordAndCarriesOn()
    {
        using var directory = new TemporaryDirectory();
        using (var spool = Open(directory.Path))
        {
            spool.Append(Enumerable.Range(0, 3).Select(Record).ToList());
        }

        var segment = Directory.GetFiles(directory.Path, "*.seg").Single();
        var bytes = File.ReadAllBytes(segment);
        File.WriteAllBytes(segment, bytes[..^5]);

        using var reopened = Open(directory.Path);
        Assert.Equal(2, reopened.Committed);
        Assert.Equal(1, reopened.Append([Record(9)]));
        Assert.Equal([1L, 2, 3], reopened.Read(0, 10).Select(e => e.Sequence));
        Assert.Equal(Record(9).Value, reopened.Read(2, 1)[0].Value);
    }

    [Fact]
    public void Reopen_AfterACorruptedByte_StopsAtTheDamage()
    {
        using var directory = new TemporaryDirectory();
        using (var spool = Open(directory.Path))
        {
            spool.Append(Enumerable.Range(0, 3).Select(Record).ToList());
        }

        var segment = Directory.GetFiles(directory.Path, "*.seg").Single();
        var bytes = File.ReadAllBytes(segment);
        bytes[^3] ^= 0xFF;
        File.WriteAllBytes(segment, bytes);

        using var reopened = Open(directory.Path);
        Assert.Equal(2, reopened.Committed);
    }

    [Fact]
    public void Append_PastTheBound_RefusesTheRestAndCountsIt()
    {
        using var directory = new TemporaryDirectory();
        using var spool = Open(directory.Path, maxBytes: 2048, segmentBytes: 1024);

        var appended = spool.Append(Enumerable.Range(0, 100).Select(Record).ToList());

        Assert.InRange(appended, 10, 60);
        Assert.Equal(100 - appended, spool.Refused);
        Assert.True(spool.Bytes <= 2048);

        spool.Acknowledge(appended);
        Assert.True(spool.Append([Record(1)]) == 1, "acknowledged segments free room");
    }

    [Fact]
    public void Acknowledge_DeletesSegmentsThatAreWhollyShipped()
    {
        using var directory = new TemporaryDirectory();
        using var spool = Open(directory.Path, segmentBytes: 1024);
        spool.Append(Enumerable.Range(0, 300).Select(Record).ToList());
        var before = Directory.GetFiles(directory.Path, "*.seg").Length;

        spool.Acknowledge(250);

        // Records are about 60 bytes: 300 of them fill some 18 segments, the last 50 fill 4.
        Assert.InRange(before, 15, 25);
        Assert.InRange(Directory.GetFiles(directory.Path, "*.seg").Length, 3, 5);
        Assert.Equal(Enumerable.Range(251, 50).Select(i => (long)i), spool.Read(250, 100).Select(e => e.Sequence));
    }

    [Fact]
    public void Acknowledge_Everything_EmptiesTheSpool_SoOneSegmentsWorthNeverStaysFull()
    {
        using var directory = new TemporaryDirectory();
        using var spool = Open(directory.Path, maxBytes: 2048, segmentBytes: 2048);
        var appended = spool.Append(Enumerable.Range(0, 100).Select(Record).ToList());
        Assert.True(appended < 100);

        spool.Acknowledge(appended);

        Assert.Equal(0, spool.Bytes);
        Assert.Empty(Directory.GetFiles(directory.Path, "*.seg"));
        Assert.Equal(appended, spool.Append(Enumerable.Range(0, appended).Select(Record).ToList()));
        Assert.Equal(appended + 1, spool.Read(appended, 1)[0].Sequence);
    }

    [Fact]
    public void Read_ADamagedRecordInTheMiddle_StopsThereInsteadOfSkippingIt()
    {
        using var directory = new TemporaryDirectory();
        using (var spool = Open(directory.Path, segmentBytes: 1024))
        {
            spool.Append(Enumerable.Range(0, 100).Select(Record).ToList());
        }

        var first = Directory.GetFiles(directory.Path, "*.seg").Order(StringComparer.Ordinal).First();
        using var reopened = Open(directory.Path, segmentBytes: 1024);
        var bytes = File.ReadAllBytes(first);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(first, bytes);

        var read = reopened.Read(0, 1000);

        Assert.InRange(read.Count, 1, 15);
        Assert.Equal(Enumerable.Range(1, read.Count).Select(i => (long)i), read.Select(e => e.Sequence));
    }
}
