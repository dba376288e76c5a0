namespace MetricsAdapter.Host.Cli;

/// <summary>How list options are read, the Kubernetes way: repeatable, and each value comma-separated.</summary>
internal static class CliValues
{
    /// <summary>Every item of every value, trimmed, empty items dropped: <c>--x a,b --x c</c> is a, b, c.</summary>
    public static string[] SplitList(string[]? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
}

/// <summary>Reports on the calling thread, in order (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
internal sealed class SynchronousProgress(Action<string> report) : IProgress<string>
{
    public void Report(string value) => report(value);
}

internal static class CliOutput
{
    /// <summary>Writes one line to stderr and returns the exit code to end with.</summary>
    public static async Task<int> FailAsync(string message, int code)
    {
        await Console.Error.WriteLineAsync(message);
        return code;
    }
}

/// <summary>Durations as the verbs take them: a non-negative number and a unit suffix (<c>300ms</c>, <c>90s</c>, <c>2m</c>, <c>1h</c>, <c>7d</c>).</summary>
internal static class DurationText
{
    /// <summary>Units for look-back windows (<c>explain --since</c>).</summary>
    public static IReadOnlyList<(string Suffix, double Seconds)> UpToDays { get; } = [("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];

    /// <summary>Units for model parameters (<c>simulate</c>); "ms" is tried before "s" and "m".</summary>
    public static IReadOnlyList<(string Suffix, double Seconds)> FromMilliseconds { get; } = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];

    public static bool TryParse(string text, IReadOnlyList<(string Suffix, double Seconds)> units, out TimeSpan span)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(units);
        span = default;
        foreach (var (suffix, seconds) in units)
        {
            if (text.Length > suffix.Length && text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text.AsSpan(0, text.Length - suffix.Length), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var amount)
                && amount >= 0 && double.IsFinite(amount))
            {
                span = TimeSpan.FromSeconds(amount * seconds);
                return true;
            }
        }

        return false;
    }
}
