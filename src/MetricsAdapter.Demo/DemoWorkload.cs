namespace MetricsAdapter.Demo;

/// <summary>One demo service: its name and its peak request rate.</summary>
public sealed record DemoService(string Name, double PeakRequestsPerSecond, double DayPhase);

/// <summary>What the demo serves for one service at one instant.</summary>
/// <param name="RequestsPerSecond">Current request rate over all pods.</param>
/// <param name="PredictedRequestsPerSecond">Rate at the horizon, at the demo's upper quantile.</param>
/// <param name="LatencyAnomalyScore">How anomalous latency is now, in [0, 1].</param>
/// <param name="InSurge">Whether a surge is under way.</param>
public sealed record DemoReading(double RequestsPerSecond, double PredictedRequestsPerSecond, double LatencyAnomalyScore, bool InSurge);

/// <summary>
/// A deterministic synthetic workload: a pure function of (seed, service, instant). Load follows a diurnal
/// cosine (night trough at 30% of peak) with ±4% noise; surges (×2 to ×4, a 30 s ramp, a 2–4 minute plateau, a
/// 60 s decay) arrive on a seeded schedule. Latency turns anomalous at a surge's onset, before capacity catches up.
/// </summary>
/// <remarks>
/// Until the decision pipeline lands, <see cref="DemoReading.PredictedRequestsPerSecond"/> is this curve itself
/// read at the horizon, raised 10% as an upper quantile would be: an oracle of its own synthetic shape, clearly
/// not a model, so that the API and HPA wiring can be exercised end to end.
/// </remarks>
public sealed class DemoWorkload
{
    private const double NightFloor = 0.30;
    private const double NoiseAmplitude = 0.04;
    private const double UpperQuantileFactor = 1.10;
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
        new("checkout", 120, 0.00),
        new("frontend", 900, 0.05),
        new("search", 400, 0.12),
    ];

    public DemoReading Read(DemoService service, DateTimeOffset instant)
    {
        ArgumentNullException.ThrowIfNull(service);
        var now = Load(service, instant, out var surgeNow, out var sinceOnset);
        var ahead = Load(service, instant + _options.Horizon, out _, out _);
        var anomaly = surgeNow is null
            ? 0.03 + 0.04 * Unit(service, instant, salt: 7)
            : Math.Clamp(0.95 * Math.Exp(-Math.Max(0, sinceOnset.TotalSeconds - Ramp.TotalSeconds) / 90.0), 0.1, 0.95);
        return new DemoReading(now, Math.Max(now, ahead) * UpperQuantileFactor, Math.Round(anomaly, 3), surgeNow is not null);
    }

    private double Load(DemoService service, DateTimeOffset instant, out Surge? surge, out TimeSpan sinceOnset)
    {
        var dayFraction = instant.ToUnixTimeMilliseconds() / _options.DayLength.TotalMilliseconds + service.DayPhase;
        var diurnal = NightFloor + (1 - NightFloor) * 0.5 * (1 - Math.Cos(2 * Math.PI * dayFraction));
        var noise = 1 + NoiseAmplitude * (2 * Unit(service, instant, salt: 3) - 1);
        var multiplier = SurgeMultiplier(service, instant, out surge, out sinceOnset);
        return service.PeakRequestsPerSecond * diurnal * noise * multiplier;
    }

    /// <summary>Surges are scheduled per slot of <see cref="DemoWorkloadOptions.MeanTimeBetweenSurges"/>: one in each, at a seeded offset.</summary>
    private double SurgeMultiplier(DemoService service, DateTimeOffset instant, out Surge? active, out TimeSpan sinceOnset)
    {
        active = null;
        sinceOnset = TimeSpan.Zero;
        var slotLength = _options.MeanTimeBetweenSurges;
        var slot = (long)Math.Floor(instant.ToUnixTimeMilliseconds() / slotLength.TotalMilliseconds);
        var best = 1.0;
        for (var candidate = slot - 1; candidate <= slot; candidate++)
        {
            var surge = SurgeIn(service, candidate, slotLength);
            var elapsed = instant - surge.Onset;
            var total = Ramp + surge.Plateau + Decay;
            if (elapsed < TimeSpan.Zero || elapsed >= total)
            {
                continue;
            }

            double shape;
            if (elapsed < Ramp)
            {
                shape = elapsed / Ramp;
            }
            else if (elapsed < Ramp + surge.Plateau)
            {
                shape = 1;
            }
            else
            {
                shape = 1 - (elapsed - Ramp - surge.Plateau) / Decay;
            }

            var multiplier = 1 + (surge.Peak - 1) * shape;
            if (multiplier > best)
            {
                best = multiplier;
                active = surge;
                sinceOnset = elapsed;
            }
        }

        return best;
    }

    private Surge SurgeIn(DemoService service, long slot, TimeSpan slotLength)
    {
        var slotStart = DateTimeOffset.FromUnixTimeMilliseconds((long)(slot * slotLength.TotalMilliseconds));
        var offset = slotLength * (0.1 + 0.5 * Hash01(service.Name, slot, 11));
        var plateau = TimeSpan.FromSeconds(120 + 120 * Hash01(service.Name, slot, 13));
        var peak = 2 + 2 * Hash01(service.Name, slot, 17);
        return new Surge(slotStart + offset, plateau, peak);
    }

    /// <summary>Deterministic noise in [0, 1) for a service at a whole second.</summary>
    private double Unit(DemoService service, DateTimeOffset instant, int salt) =>
        Hash01(service.Name, instant.ToUnixTimeSeconds(), salt);

    private double Hash01(string name, long position, int salt)
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

    private sealed record Surge(DateTimeOffset Onset, TimeSpan Plateau, double Peak);
}
