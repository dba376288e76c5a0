using System.Globalization;
using System.Text;
using MetricsAdapter.Sidecar.Exposition;
using MetricsAdapter.Sidecar.Scraping;

namespace MetricsAdapter.Sidecar.Tests;

/// <summary>The captured expositions copied next to the tests (see Exposition/README.md).</summary>
internal static class Captures
{
    public const string PrometheusText = "prometheus-text.txt";
    public const string PrometheusTextLater = "prometheus-text-later.txt";
    public const string PrometheusTextOpenMetricsAccept = "prometheus-text-with-openmetrics-accept.txt";
    public const string NodeExporterText = "node-exporter-text.txt";
    public const string PythonText = "python-client-text.txt";
    public const string PythonOpenMetrics = "python-client-openmetrics.txt";
    public const string PythonOpenMetricsLater = "python-client-openmetrics-later.txt";

    public static IReadOnlyList<string> All { get; } =
        [PrometheusText, PrometheusTextLater, PrometheusTextOpenMetricsAccept, NodeExporterText, PythonText, PythonOpenMetrics, PythonOpenMetricsLater];

    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Exposition", name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path(name));

    public static string[] Lines(string name) => File.ReadAllText(Path(name)).Split('\n');

    /// <summary>The value on the file's one line that starts with <paramref name="seriesText"/> followed by a space.</summary>
    public static double ValueOf(string name, string seriesText)
    {
        var line = Assert.Single(Lines(name), l => l.StartsWith(seriesText + " ", StringComparison.Ordinal));
        return double.Parse(line[(seriesText.Length + 1)..].Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}

/// <summary>The Prometheus server's own HTTP metrics as a convention, for the Prometheus captures.</summary>
internal static class Conventions
{
    public static MetricConvention Prometheus { get; } =
        new("prometheus", "prometheus_http_requests_total", "prometheus_http_request_duration_seconds", 1, ["code"]);

    public static ScrapeSnapshot Snapshot(string text, ulong seed = 42, int maxSeries = 10_000, IReadOnlyList<string>? errorPrefixes = null, params MetricConvention[] conventions) =>
        Snapshot(Encoding.UTF8.GetBytes(text), seed, maxSeries, errorPrefixes, conventions);

    public static ScrapeSnapshot Snapshot(byte[] body, ulong seed = 42, int maxSeries = 10_000, IReadOnlyList<string>? errorPrefixes = null, params MetricConvention[] conventions)
    {
        var snapshot = new ScrapeSnapshot(conventions.Length == 0 ? MetricConvention.Defaults : conventions, errorPrefixes ?? ["5"], seed, maxSeries);
        Assert.Null(new ExpositionParser().Parse(body, snapshot));
        return snapshot;
    }

    public static ScrapeResult Result(string text, ulong seed = 42, params MetricConvention[] conventions) =>
        new(Snapshot(text, seed, conventions: conventions), null, null, TimeSpan.FromMilliseconds(3));

    public static ScrapeResult Result(byte[] body, params MetricConvention[] conventions) =>
        new(Snapshot(body, conventions: conventions), null, null, TimeSpan.FromMilliseconds(3));

    public static ScrapeResult Failed(string kind = ScrapeErrors.Unreachable) => new(null, kind, "connection refused", TimeSpan.FromMilliseconds(1));

    /// <summary>A readable, ordered dump of everything a snapshot kept, to compare two snapshots.</summary>
    public static string Dump(ScrapeSnapshot snapshot, int conventionCount)
    {
        var text = new StringBuilder();
        for (var c = 0; c < conventionCount; c++)
        {
            foreach (var (identity, series) in snapshot.Counters(c).OrderBy(p => p.Key))
            {
                text.Append(CultureInfo.InvariantCulture, $"{c} counter {identity:x16} {series.Value:R} {series.IsError}\n");
            }

            foreach (var (identity, series) in snapshot.Histograms(c).OrderBy(p => p.Key))
            {
                text.Append(CultureInfo.InvariantCulture, $"{c} histogram {identity:x16} sum={series.Sum:R} count={series.Count:R} error={series.IsError}");
                foreach (var (bound, cumulative) in series.Buckets)
                {
                    text.Append(CultureInfo.InvariantCulture, $" {bound:R}:{cumulative:R}");
                }

                text.Append('\n');
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"over={snapshot.SeriesOverLimit} impossible={snapshot.ImpossibleSamples}\n");
        return text.ToString();
    }
}

/// <summary>Keeps every sample of the wanted names (all names when none are given), labels copied.</summary>
internal sealed class RecordingSink(params string[] names) : ISampleSink
{
    private readonly HashSet<string> _names = new(names, StringComparer.Ordinal);

    public List<RecordedSample> Samples { get; } = [];

    public bool Wants(ReadOnlySpan<byte> sampleName) => !sampleName.IsEmpty && (_names.Count == 0 || _names.Contains(Encoding.UTF8.GetString(sampleName)));

    public void Sample(ReadOnlySpan<byte> sampleName, IReadOnlyList<(string Name, string Value)> labels, double value) =>
        Samples.Add(new RecordedSample(Encoding.UTF8.GetString(sampleName), [.. labels], value));

    /// <summary>One line per sample, in order: <c>name{a="b",…} value</c> with the values unescaped.</summary>
    public string Dump() => string.Concat(Samples.Select(s => s + "\n"));
}

internal sealed record RecordedSample(string Name, IReadOnlyList<(string Name, string Value)> Labels, double Value)
{
    public string? Label(string name) => Labels.Where(l => l.Name == name).Select(l => l.Value).SingleOrDefault();

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}{{{string.Join(',', Labels.Select(l => $"{l.Name}=\"{l.Value}\""))}}} {Value:R}");
}

/// <summary>A read-only stream that hands out at most <c>chunk</c> bytes per read, to cross every buffer boundary.</summary>
internal sealed class ChunkedStream(byte[] data, int chunk) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => data.Length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _position);
        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
