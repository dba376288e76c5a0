using System.Collections.Concurrent;
using System.Collections.Frozen;
using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Series;
using MetricsAdapter.Core.Validation;
using MetricsAdapter.ExternalMetrics.Provider;

namespace MetricsAdapter.ExternalMetrics.Store;

/// <summary>
/// The newest value of every series, bounded in count and age, thread-safe, behind the provider seam.
/// </summary>
/// <remarks>
/// Reads never take a lock: each (metric, namespace) keeps an immutable index that writers replace when the set
/// of series changes, and each series holds its newest sample in one reference. A query starts from the most
/// selective equality requirement of its selector (<c>service=checkout</c>, <c>tier in (web)</c>) and checks
/// the full selector only on those candidates, so it costs the size of the answer, not of the namespace.
/// </remarks>
public sealed class InMemorySeriesStore : IExternalMetricsProvider, ISeriesWriter
{
    private readonly FrozenDictionary<string, MetricSeries> _metrics;
    private readonly ExternalMetricInfo[] _catalogue;
    private readonly TimeProvider _timeProvider;
    private readonly SeriesStoreOptions _options;
    private int _seriesCount;

    public InMemorySeriesStore(IEnumerable<ExternalMetricInfo> catalogue, SeriesStoreOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _catalogue = catalogue.OrderBy(m => m.Name, StringComparer.Ordinal).ToArray();
        foreach (var metric in _catalogue)
        {
            if (!string.Equals(metric.Name, metric.Name.ToLowerInvariant(), StringComparison.Ordinal))
            {
                throw new ArgumentException($"Metric names are published in lowercase (client-go lowercases them): \"{metric.Name}\".", nameof(catalogue));
            }
        }

        _metrics = _catalogue.ToFrozenDictionary(m => m.Name, m => new MetricSeries(m.Name), StringComparer.OrdinalIgnoreCase);
        _options = options;
        _timeProvider = timeProvider;
    }

    /// <summary>Live series over all metrics and namespaces.</summary>
    public int SeriesCount => Volatile.Read(ref _seriesCount);

    public IReadOnlyList<ExternalMetricInfo> ListAllExternalMetrics() => _catalogue;

    public ValueTask<ExternalMetricQueryResult> GetExternalMetricAsync(
        string namespaceName,
        LabelSelector selector,
        string metricName,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selector);
        if (!_metrics.TryGetValue(metricName, out var metric))
        {
            return ValueTask.FromResult(ExternalMetricQueryResult.UnknownMetric());
        }

        if (!metric.Namespaces.TryGetValue(namespaceName, out var series))
        {
            return ValueTask.FromResult(ExternalMetricQueryResult.Found([]));
        }

        var freshAfter = _timeProvider.GetUtcNow() - _options.StaleAfter;
        return ValueTask.FromResult(ExternalMetricQueryResult.Found(series.Query(selector, freshAfter)));
    }

    public SeriesWriteResult Write(SeriesPoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        if (!_metrics.TryGetValue(point.Metric, out var metric))
        {
            return SeriesWriteResult.RejectedUnknownMetric;
        }

        if (KubernetesNames.ValidateDns1123Label(point.Namespace) is not null)
        {
            return SeriesWriteResult.RejectedInvalidNamespace;
        }

        var sample = new ExternalMetricSample(metric.Name, point.Labels, point.Value, point.Timestamp, point.Window);
        var series = metric.Namespaces.GetOrAdd(point.Namespace, static _ => new NamespaceSeries());
        var result = series.Upsert(sample, TryReserveSeries);
        if (result == SeriesWriteResult.RejectedStoreFull && EvictExpired() > 0)
        {
            result = series.Upsert(sample, TryReserveSeries);
        }

        return result;
    }

    public bool Withdraw(string metric, string namespaceName, LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!_metrics.TryGetValue(metric, out var series) || !series.Namespaces.TryGetValue(namespaceName, out var namespaceSeries))
        {
            return false;
        }

        if (!namespaceSeries.Remove(labels))
        {
            return false;
        }

        Interlocked.Decrement(ref _seriesCount);
        return true;
    }

    /// <summary>Drops every series whose newest value is older than <see cref="SeriesStoreOptions.StaleAfter"/>.</summary>
    /// <returns>How many series were dropped.</returns>
    public int EvictExpired()
    {
        var freshAfter = _timeProvider.GetUtcNow() - _options.StaleAfter;
        var evicted = 0;
        foreach (var metric in _metrics.Values)
        {
            foreach (var series in metric.Namespaces.Values)
            {
                evicted += series.RemoveOlderThan(freshAfter);
            }
        }

        Interlocked.Add(ref _seriesCount, -evicted);
        return evicted;
    }

    /// <summary>Per metric: how many series are live and how old their newest and oldest values are.</summary>
    public IReadOnlyList<MetricFreshness> GetFreshness()
    {
        var now = _timeProvider.GetUtcNow();
        var result = new List<MetricFreshness>(_catalogue.Length);
        foreach (var info in _catalogue)
        {
            var count = 0;
            DateTimeOffset? newest = null;
            DateTimeOffset? oldest = null;
            foreach (var series in _metrics[info.Name].Namespaces.Values)
            {
                foreach (var sample in series.CurrentSamples())
                {
                    count++;
                    newest = newest is null || sample.Timestamp > newest ? sample.Timestamp : newest;
                    oldest = oldest is null || sample.Timestamp < oldest ? sample.Timestamp : oldest;
                }
            }

            result.Add(new MetricFreshness(info.Name, count, now - newest, now - oldest));
        }

        return result;
    }

    private bool TryReserveSeries()
    {
        while (true)
        {
            var current = Volatile.Read(ref _seriesCount);
            if (current >= _options.MaxSeries)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _seriesCount, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    private sealed class MetricSeries(string name)
    {
        public string Name { get; } = name;

        public ConcurrentDictionary<string, NamespaceSeries> Namespaces { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>The series of one metric in one namespace.</summary>
    private sealed class NamespaceSeries
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<LabelSet, SeriesSlot> _slots = [];
        private volatile SeriesIndex? _index;

        public SeriesWriteResult Upsert(ExternalMetricSample sample, Func<bool> reserve)
        {
            lock (_gate)
            {
                if (_slots.TryGetValue(sample.Labels, out var slot))
                {
                    if (slot.Latest.Timestamp > sample.Timestamp)
                    {
                        return SeriesWriteResult.IgnoredOutOfOrder;
                    }

                    slot.Latest = sample;
                    return SeriesWriteResult.Updated;
                }

                if (!reserve())
                {
                    return SeriesWriteResult.RejectedStoreFull;
                }

                _slots.Add(sample.Labels, new SeriesSlot(sample));
                _index = null;
                return SeriesWriteResult.Created;
            }
        }

        public bool Remove(LabelSet labels)
        {
            lock (_gate)
            {
                if (!_slots.Remove(labels))
                {
                    return false;
                }

                _index = null;
                return true;
            }
        }

        public int RemoveOlderThan(DateTimeOffset freshAfter)
        {
            lock (_gate)
            {
                var expired = _slots.Where(pair => pair.Value.Latest.Timestamp < freshAfter).Select(pair => pair.Key).ToList();
                foreach (var labels in expired)
                {
                    _slots.Remove(labels);
                }

                if (expired.Count > 0)
                {
                    _index = null;
                }

                return expired.Count;
            }
        }

        public IEnumerable<ExternalMetricSample> CurrentSamples() => CurrentIndex().Slots.Select(slot => slot.Latest);

        public List<ExternalMetricSample> Query(LabelSelector selector, DateTimeOffset freshAfter)
        {
            var index = CurrentIndex();
            var candidates = index.Candidates(selector);
            var matches = new List<ExternalMetricSample>();
            foreach (var position in candidates)
            {
                var slot = index.Slots[position];
                var sample = slot.Latest;
                if (sample.Timestamp >= freshAfter && selector.Matches(slot.Labels))
                {
                    matches.Add(sample);
                }
            }

            return matches;
        }

        private SeriesIndex CurrentIndex()
        {
            var index = _index;
            if (index is not null)
            {
                return index;
            }

            lock (_gate)
            {
                return _index ??= SeriesIndex.Build(_slots.Values);
            }
        }
    }

    /// <summary>Holds a series' newest sample; replaced whole, so readers see old or new, never half.</summary>
    private sealed class SeriesSlot(ExternalMetricSample latest)
    {
        private volatile ExternalMetricSample _latest = latest;

        public LabelSet Labels { get; } = latest.Labels;

        public ExternalMetricSample Latest
        {
            get => _latest;
            set => _latest = value;
        }
    }

    /// <summary>An immutable view of one namespace's series: sorted by labels, with a label=value → positions index.</summary>
    private sealed class SeriesIndex
    {
        private readonly Dictionary<(string Key, string Value), int[]> _byLabel;
        private readonly int[] _all;

        private SeriesIndex(SeriesSlot[] slots, Dictionary<(string Key, string Value), int[]> byLabel)
        {
            Slots = slots;
            _byLabel = byLabel;
            _all = Enumerable.Range(0, slots.Length).ToArray();
        }

        public SeriesSlot[] Slots { get; }

        public static SeriesIndex Build(IEnumerable<SeriesSlot> slots)
        {
            var ordered = slots.OrderBy(slot => slot.Labels.ToString(), StringComparer.Ordinal).ToArray();
            var byLabel = new Dictionary<(string Key, string Value), List<int>>();
            for (var i = 0; i < ordered.Length; i++)
            {
                foreach (var (key, value) in ordered[i].Labels)
                {
                    if (!byLabel.TryGetValue((key, value), out var positions))
                    {
                        byLabel[(key, value)] = positions = [];
                    }

                    positions.Add(i);
                }
            }

            return new SeriesIndex(ordered, byLabel.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray()));
        }

        /// <summary>
        /// Positions that can possibly match, in label order: those of the narrowest equality or set requirement,
        /// or every position when the selector has none.
        /// </summary>
        public int[] Candidates(LabelSelector selector)
        {
            var best = _all;
            foreach (var requirement in selector.Requirements)
            {
                if (requirement.Operator is not (SelectorOperator.Equals or SelectorOperator.DoubleEquals or SelectorOperator.In))
                {
                    continue;
                }

                if (requirement.Values.Count == 1)
                {
                    var positions = _byLabel.TryGetValue((requirement.Key, requirement.Values[0]), out var found) ? found : [];
                    if (positions.Length < best.Length)
                    {
                        best = positions;
                    }

                    continue;
                }

                // A set requirement narrows at most to the sum of its values' positions: only build the union when
                // that could beat what we have.
                var upperBound = 0;
                foreach (var value in requirement.Values)
                {
                    upperBound += _byLabel.TryGetValue((requirement.Key, value), out var found) ? found.Length : 0;
                }

                if (upperBound >= best.Length)
                {
                    continue;
                }

                var union = new List<int>(upperBound);
                foreach (var value in requirement.Values)
                {
                    if (_byLabel.TryGetValue((requirement.Key, value), out var found))
                    {
                        union.AddRange(found);
                    }
                }

                union.Sort();
                best = [.. union];
            }

            return best;
        }
    }
}

/// <summary>Freshness of one metric's series, for our own telemetry.</summary>
/// <param name="Metric">The metric.</param>
/// <param name="SeriesCount">Live series.</param>
/// <param name="NewestAge">Age of the most recent value, if any: grows when producers stop.</param>
/// <param name="OldestAge">Age of the least recent value, if any: the stalest series about to be dropped.</param>
public sealed record MetricFreshness(string Metric, int SeriesCount, TimeSpan? NewestAge, TimeSpan? OldestAge);
