using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace MetricsAdapter.Sidecar.Exposition;

/// <summary>
/// What one scrape read of the wanted metrics: per convention, each request counter series and each latency
/// histogram series (its buckets, sum and count). Series are known by a keyed 64-bit hash of their labels, so
/// label values — client addresses, user ids — are never kept in clear, and never leave the process. Bounded:
/// past <see cref="MaxSeries"/> further series are counted and ignored.
/// </summary>
public sealed class ScrapeSnapshot : ISampleSink
{
    private readonly IReadOnlyList<MetricConvention> _conventions;
    private readonly Dictionary<string, (int Convention, SampleRole Role)>.AlternateLookup<ReadOnlySpan<char>> _wanted;
    private readonly ulong _seed;
    private readonly IReadOnlyList<string> _errorStatusPrefixes;
    private readonly ConventionData[] _data;
    private int _series;

    public ScrapeSnapshot(IReadOnlyList<MetricConvention> conventions, IReadOnlyList<string> errorStatusPrefixes, ulong seed, int maxSeries)
    {
        ArgumentNullException.ThrowIfNull(conventions);
        ArgumentNullException.ThrowIfNull(errorStatusPrefixes);
        _conventions = conventions;
        _errorStatusPrefixes = errorStatusPrefixes;
        _seed = seed;
        MaxSeries = maxSeries;
        var wanted = new Dictionary<string, (int, SampleRole)>(StringComparer.Ordinal);
        _data = new ConventionData[conventions.Count];
        for (var i = 0; i < conventions.Count; i++)
        {
            _data[i] = new ConventionData();
            var convention = conventions[i];
            if (convention.RequestsCounter is { } counter)
            {
                wanted.TryAdd(counter, (i, SampleRole.Counter));
            }

            if (convention.LatencyHistogram is { } histogram)
            {
                wanted.TryAdd(histogram + "_bucket", (i, SampleRole.Bucket));
                wanted.TryAdd(histogram + "_sum", (i, SampleRole.Sum));
                wanted.TryAdd(histogram + "_count", (i, SampleRole.Count));
            }
        }

        _wanted = wanted.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int MaxSeries { get; }

    /// <summary>Series past <see cref="MaxSeries"/> that were ignored.</summary>
    public long SeriesOverLimit { get; private set; }

    /// <summary>Samples with a value no counter can have (negative, NaN, infinite), ignored.</summary>
    public long ImpossibleSamples { get; private set; }

    /// <summary>The first convention with data, in the configured order, or -1.</summary>
    public int ChosenConvention
    {
        get
        {
            for (var i = 0; i < _data.Length; i++)
            {
                if (_data[i].Counters.Count > 0 || _data[i].Histograms.Count > 0)
                {
                    return i;
                }
            }

            return -1;
        }
    }

    public MetricConvention Convention(int index) => _conventions[index];

    public IReadOnlyDictionary<ulong, CounterSeries> Counters(int convention) => _data[convention].Counters;

    public IReadOnlyDictionary<ulong, HistogramSeries> Histograms(int convention) => _data[convention].Histograms;

    public bool Wants(ReadOnlySpan<byte> sampleName) => TryRole(sampleName, out _);

    public void Sample(ReadOnlySpan<byte> sampleName, IReadOnlyList<(string Name, string Value)> labels, double value)
    {
        if (!TryRole(sampleName, out var role))
        {
            return;
        }

        var convention = _conventions[role.Convention];
        var data = _data[role.Convention];
        var (identity, isError, le) = Describe(labels, convention.StatusLabels, role.Role == SampleRole.Bucket);
        if (!double.IsFinite(value) || value < 0)
        {
            ImpossibleSamples++;
            return;
        }

        if (role.Role == SampleRole.Counter)
        {
            if (!data.Counters.ContainsKey(identity) && !Admit(countRefusal: true))
            {
                return;
            }

            data.Counters[identity] = new CounterSeries(value, isError);
            return;
        }

        if (!data.Histograms.TryGetValue(identity, out var series))
        {
            // Every sample of a refused series asks again; its one _count sample is what counts it.
            if (!Admit(countRefusal: role.Role == SampleRole.Count))
            {
                return;
            }

            series = new HistogramSeries(isError);
            data.Histograms.Add(identity, series);
        }

        switch (role.Role)
        {
            case SampleRole.Bucket when !double.IsNaN(le):
                series.AddBucket(le * (double.IsPositiveInfinity(le) ? 1 : convention.LatencyUnitSeconds), value);
                break;
            case SampleRole.Sum:
                series.Sum = value * convention.LatencyUnitSeconds;
                break;
            case SampleRole.Count:
                series.Count = value;
                break;
        }
    }

    /// <summary>Which convention and part a sample name is, without allocating (metric names are ASCII).</summary>
    private bool TryRole(ReadOnlySpan<byte> sampleName, out (int Convention, SampleRole Role) role)
    {
        role = default;
        if (sampleName.IsEmpty || sampleName.Length > 256)
        {
            return false;
        }

        Span<char> name = stackalloc char[sampleName.Length];
        for (var i = 0; i < sampleName.Length; i++)
        {
            name[i] = (char)sampleName[i];
        }

        return _wanted.TryGetValue(name, out role);
    }

    private bool Admit(bool countRefusal)
    {
        if (_series >= MaxSeries)
        {
            SeriesOverLimit += countRefusal ? 1 : 0;
            return false;
        }

        _series++;
        return true;
    }

    /// <summary>The series identity (keyed hash of every label but <c>le</c>), whether its status is an error, and its <c>le</c>.</summary>
    private (ulong Identity, bool IsError, double Le) Describe(IReadOnlyList<(string Name, string Value)> labels, IReadOnlyList<string> statusLabels, bool bucket)
    {
        var hash = new XxHash64((long)_seed);
        Span<byte> scratch = stackalloc byte[256];
        var isError = false;
        var statusRank = int.MaxValue;
        var le = double.NaN;
        foreach (var (name, value) in labels)
        {
            if (bucket && name == "le")
            {
                le = ExpositionParser.TryParseValue(Encoding.UTF8.GetBytes(value), out var bound) ? bound : double.NaN;
                continue;
            }

            Append(ref hash, name, scratch);
            Append(ref hash, value, scratch);
            var rank = IndexOf(statusLabels, name);
            if (rank >= 0 && rank < statusRank)
            {
                statusRank = rank;
                isError = IsErrorStatus(value);
            }
        }

        return (hash.GetCurrentHashAsUInt64(), isError, le);
    }

    private bool IsErrorStatus(string status)
    {
        foreach (var prefix in _errorStatusPrefixes)
        {
            if (status.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static void Append(ref XxHash64 hash, string text, Span<byte> scratch)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, text.Length);
        hash.Append(length);
        if (Encoding.UTF8.GetMaxByteCount(text.Length) <= scratch.Length)
        {
            hash.Append(scratch[..Encoding.UTF8.GetBytes(text, scratch)]);
        }
        else
        {
            hash.Append(Encoding.UTF8.GetBytes(text));
        }
    }

    private enum SampleRole
    {
        Counter,
        Bucket,
        Sum,
        Count,
    }

    private sealed class ConventionData
    {
        public Dictionary<ulong, CounterSeries> Counters { get; } = [];

        public Dictionary<ulong, HistogramSeries> Histograms { get; } = [];
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{_series} series kept, {SeriesOverLimit} over the limit");
}

/// <summary>One request counter series: its value, and whether its status label says it counts errors.</summary>
public readonly record struct CounterSeries(double Value, bool IsError);

/// <summary>One latency histogram series (one label set without <c>le</c>): cumulative buckets in seconds, sum, count.</summary>
public sealed class HistogramSeries(bool isError)
{
    private readonly List<(double UpperBound, double Cumulative)> _buckets = new(16);

    public bool IsError { get; } = isError;

    public double Sum { get; set; }

    public double Count { get; set; } = double.NaN;

    public IReadOnlyList<(double UpperBound, double Cumulative)> Buckets => _buckets;

    internal void AddBucket(double upperBound, double cumulative)
    {
        if (_buckets.Count >= Core.Observations.LatencyHistogram.MaxBuckets)
        {
            return;
        }

        // Exposition order is by bound, but nothing requires it: keep the list sorted.
        var index = _buckets.Count;
        while (index > 0 && _buckets[index - 1].UpperBound > upperBound)
        {
            index--;
        }

        if (index > 0 && _buckets[index - 1].UpperBound == upperBound)
        {
            _buckets[index - 1] = (upperBound, cumulative);
            return;
        }

        _buckets.Insert(index, (upperBound, cumulative));
    }

    /// <summary>The count: <c>_count</c> when exposed, else the <c>+Inf</c> bucket.</summary>
    public double Total => double.IsNaN(Count) && _buckets.Count > 0 && double.IsPositiveInfinity(_buckets[^1].UpperBound) ? _buckets[^1].Cumulative : Count;
}
