using MetricsAdapter.Injection.Patch;

namespace MetricsAdapter.Injection.Tests;

public sealed class PooledBufferWriterTests
{
    [Fact]
    public void Growing_PastTheFirstRental_KeepsEveryByteInOrder()
    {
        using var writer = new PooledBufferWriter(16);
        var expected = new List<byte>();
        for (var chunk = 0; chunk < 200; chunk++)
        {
            var size = 1 + (chunk % 37);
            var span = writer.GetSpan(size);
            for (var i = 0; i < size; i++)
            {
                span[i] = (byte)(chunk + i);
                expected.Add((byte)(chunk + i));
            }

            writer.Advance(size);
        }

        Assert.Equal(expected.ToArray(), writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void Advance_PastWhatWasHandedOut_Throws()
    {
        using var writer = new PooledBufferWriter(16);
        var available = writer.GetSpan(1).Length;

        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(available + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(-1));
    }

    [Fact]
    public void AfterDispose_NothingIsWritten_AndDisposingAgainIsHarmless()
    {
        var writer = new PooledBufferWriter(16);
        writer.GetSpan(4)[..4].Fill(7);
        writer.Advance(4);

        writer.Dispose();
        writer.Dispose();

        Assert.True(writer.WrittenMemory.IsEmpty);
        Assert.Throws<ObjectDisposedException>(() => writer.GetSpan(1));
    }

    [Fact]
    public void Capacity_MustBePositive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PooledBufferWriter(0));
}
