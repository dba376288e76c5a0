using System.Globalization;

namespace MetricsAdapter.Prediction.Evaluation;

/// <summary>A series read from <c>timestamp,value</c> CSV.</summary>
public sealed record TimeSeries(string Name, IReadOnlyList<string> RawTimestamps, IReadOnlyList<DateTimeOffset> Timestamps, IReadOnlyList<double> Values)
{
    private static readonly string[] TimestampFormats =
        ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    public int Count => Values.Count;

    /// <summary>
    /// Reads a CSV of <c>timestamp,value</c> rows (a header line is optional). Timestamps without a zone are UTC.
    /// </summary>
    /// <exception cref="InvalidDataException">A row is malformed; the message names the file and line.</exception>
    public static TimeSeries ReadCsv(string path, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var raw = new List<string>();
        var times = new List<DateTimeOffset>();
        var values = new List<double>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var comma = line.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: expected \"timestamp,value\", got \"{Abbreviate(line)}\"");
            }

            var timestamp = line[..comma].Trim();
            var valueText = line[(comma + 1)..].Trim();
            if (lineNumber == 1 && !double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            if (!DateTimeOffset.TryParseExact(timestamp, TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            {
                throw new InvalidDataException($"{path}:{lineNumber}: \"{Abbreviate(timestamp)}\" is not a timestamp such as 2014-04-01 14:30:00");
            }

            if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                throw new InvalidDataException($"{path}:{lineNumber}: \"{Abbreviate(valueText)}\" is not a number");
            }

            raw.Add(timestamp);
            times.Add(time);
            values.Add(value);
        }

        if (values.Count == 0)
        {
            throw new InvalidDataException($"{path}: no rows");
        }

        return new TimeSeries(name ?? Path.GetFileNameWithoutExtension(path), raw, times, values);
    }

    /// <summary>The typical step: the median of the positive gaps between consecutive timestamps.</summary>
    public TimeSpan Interval()
    {
        var gaps = new List<long>(Count);
        for (var i = 1; i < Count; i++)
        {
            var ticks = (Timestamps[i] - Timestamps[i - 1]).Ticks;
            if (ticks > 0)
            {
                gaps.Add(ticks);
            }
        }

        if (gaps.Count == 0)
        {
            return TimeSpan.FromMinutes(1);
        }

        gaps.Sort();
        return TimeSpan.FromTicks(gaps[gaps.Count / 2]);
    }

    private static string Abbreviate(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
