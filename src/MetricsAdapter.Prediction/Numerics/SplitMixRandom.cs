using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Numerics;

/// <summary>
/// SplitMix64: a small, fast, seedable generator whose whole state is one 64-bit word, so a model that draws random
/// numbers can be snapshotted and restored mid-stream (System.Random's state cannot be saved).
/// </summary>
public sealed class SplitMixRandom(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="bound"/>).</summary>
    public int Next(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bound, 1);
        return (int)(NextDouble() * bound);
    }

    public void WriteState(StateWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(_state);
    }

    public void ReadState(StateReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        _state = reader.ReadUInt64();
    }
}
