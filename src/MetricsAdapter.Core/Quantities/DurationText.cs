using System.Globalization;

namespace MetricsAdapter.Core.Quantities;

/// <summary>
/// Durations as the CLI verbs and the sidecar's environment take them: a non-negative number and a unit suffix
/// (<c>300ms</c>, <c>90s</c>, <c>2m</c>, <c>1h</c>, <c>7d</c>).
/// </summary>
public static class DurationText
{
    /// <summary>Units for look-back windows and simulated days (<c>explain --since</c>, <c>demo-app --day-length</c>).</summary>
    public static IReadOnlyList<(string Suffix, double Seconds)> UpToDays { get; } = [("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];

    /// <summary>Units for intervals and model parameters (<c>simulate</c>, the sidecar's interval); "ms" is tried before "s" and "m".</summary>
    public static IReadOnlyList<(string Suffix, double Seconds)> FromMilliseconds { get; } = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];

    /// <summary>The duration, or false for text that is none, or longer than a <see cref="TimeSpan"/> holds.</summary>
    public static bool TryParse(string text, IReadOnlyList<(string Suffix, double Seconds)> units, out TimeSpan span)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(units);
        span = default;
        foreach (var (suffix, seconds) in units)
        {
            if (text.Length > suffix.Length && text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)
                && amount >= 0 && double.IsFinite(amount) && amount * seconds < TimeSpan.MaxValue.TotalSeconds)
            {
                span = TimeSpan.FromSeconds(amount * seconds);
                return true;
            }
        }

        return false;
    }
}
