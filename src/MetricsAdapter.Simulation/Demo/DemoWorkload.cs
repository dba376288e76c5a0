namespace MetricsAdapter.Simulation.Demo;

/// <summary>One demo service: its name, its peak request rate, where in the day it peaks, and its base latency.</summary>
public sealed record DemoService(string Name, double PeakRequestsPerSecond, double DayPhase, double BaseLatencySeconds);

/// <summary>A service's load at one instant.</summary>
/// <param name="RequestsPerSecond">Request rate over all its pods.</param>
/// <param name="InSurge">Whether a surge is under way.</param>
public sealed record DemoReading(double RequestsPerSecond, bool InSurge);

/// <summary>
/// A deterministic synthetic load: a pure function of (seed, service, instant). Load follows a diurnal cosine
/// (night trough at 30% of peak) with ±4% noise; surges (×2 to ×4, a 30 s ramp, a 2–4 minute plateau, a 60 s
/// decay) arrive on a seeded schedule. Nothing here predicts anything: the pods of <see cref="DemoApp"/>
/// count it in their metrics, their sidecars report it, and the decision manager forecasts it like any other traffic.
/// </summary>
public sealed class DemoWorkload
{
    private const double NightFloor = 0.30;
    private const double NoiseAmplitude = 0.04;
    private static readonly TimeSpan Ramp = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Decay = TimeSpan.FromSeconds(60);

    private readonly DemoWorkloadOptions _options;

    public DemoWorkload(DemoWorkloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>The three demo services.</summary>
    public static IReadOnlyList<DemoService> Services { get; } =
    [
        new("checkout", 120, 0.00, 0.015),
        new("frontend", 900, 0.05, 0.008),
        new("search", 400, 0.12, 0.025),
    ];

    public DemoReading Read(DemoService service, DateTimeOffset instant)
    {
        ArgumentNullException.ThrowIfNull(service);
        var dayFraction = instant.ToUnixTimeMilliseconds() / _options.DayLength.TotalMilliseconds + service.DayPhase;
        var diurnal = NightFloor + (1 - NightFloor) * 0.5 * (1 - Math.Cos(2 * Math.PI * dayFraction));
        var noise = 1 + NoiseAmplitude * (2 * Unit(service.Name, instant.ToUnixTimeSeconds(), salt: 3) - 1);
        var multiplier = SurgeMultiplier(service, instant, out var inSurge);
        return new DemoReading(service.PeakRequestsPerSecond * diurnal * noise * multiplier, inSurge);
    }

    /// <summary>Surges are scheduled per slot of <see cref="DemoWorkloadOptions.MeanTimeBetweenSurges"/>: one in each, at a seeded offset.</summary>
    private double SurgeMultiplier(DemoService service, DateTimeOffset instant, out bool inSurge)
    {
        inSurge = false;
        var slotLength = _options.MeanTimeBetweenSurges;
        var slot = (long)Math.Floor(instant.ToUnixTimeMilliseconds() / slotLength.TotalMilliseconds);
        var best = 1.0;
        for (var candidate = slot - 1; candidate <= slot; candidate++)
        {
            var slotStart = DateTimeOffset.FromUnixTimeMilliseconds((long)(candidate * slotLength.TotalMilliseconds));
            var onset = slotStart + slotLength * (0.1 + 0.5 * Unit(service.Name, candidate, 11));
            var plateau = TimeSpan.FromSeconds(120 + 120 * Unit(service.Name, candidate, 13));
            var peak = 2 + 2 * Unit(service.Name, candidate, 17);
            var elapsed = instant - onset;
            if (elapsed < TimeSpan.Zero || elapsed >= Ramp + plateau + Decay)
            {
                continue;
            }

            var shape = elapsed < Ramp ? elapsed / Ramp
                : elapsed < Ramp + plateau ? 1
                : 1 - (elapsed - Ramp - plateau) / Decay;
            var multiplier = 1 + (peak - 1) * shape;
            if (multiplier > best)
            {
                best = multiplier;
                inSurge = true;
            }
        }

        return best;
    }

    /// <summary>Deterministic noise in [0, 1) for a name at a position.</summary>
    internal double Unit(string name, long position, int salt)
    {
        var hash = (ulong)(uint)_options.Seed * 0x9E3779B97F4A7C15UL;
        foreach (var c in name)
        {
            hash = (hash ^ c) * 0x100000001B3UL;
        }

        hash ^= (ulong)position * 0xBF58476D1CE4E5B9UL;
        hash ^= (ulong)salt * 0x94D049BB133111EBUL;
        hash ^= hash >> 31;
        hash *= 0xD6E8FEB86659FD93UL;
        hash ^= hash >> 32;
        return (hash >> 11) * (1.0 / (1UL << 53));
    }
}
