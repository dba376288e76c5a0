using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace MetricsAdapter.Telemetry;

/// <summary>
/// Collects measurements of the configured meters and renders them in the Prometheus text exposition format
/// (version 0.0.4). Counters and up-down counters accumulate, gauges keep their last value, observable
/// instruments are read at scrape time, histograms keep cumulative buckets, a sum and a count.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private readonly PrometheusExporterOptions _options;
    private readonly MeterListener _listener;
    private readonly List<InstrumentState> _instruments = [];
    private readonly Lock _instrumentsGate = new();
    private readonly Lock _scrapeGate = new();

    public PrometheusExporter(PrometheusExporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
            MeasurementsCompleted = static (_, state) => (state as InstrumentState)?.Complete(),
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((InstrumentState)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>The content type of <see cref="Scrape"/>'s output.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Renders every collected series. Observable instruments are read now.</summary>
    public string Scrape()
    {
        lock (_scrapeGate)
        {
            InstrumentState[] instruments;
            lock (_instrumentsGate)
            {
                instruments = [.. _instruments];
            }

            foreach (var instrument in instruments)
            {
                instrument.BeginObservation();
            }

            _listener.RecordObservableInstruments();
            var output = new StringBuilder(4096);
            foreach (var family in instruments.GroupBy(i => i.MetricName, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var first = family.First();
                first.WriteHeader(output);
                foreach (var instrument in family)
                {
                    instrument.WriteSeries(output);
                }
            }

            return output.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!IsCollected(instrument.Meter.Name))
        {
            return;
        }

        var state = InstrumentState.Create(instrument, _options);
        if (state is null)
        {
            return;
        }

        lock (_instrumentsGate)
        {
            _instruments.Add(state);
        }

        listener.EnableMeasurementEvents(instrument, state);
    }

    private bool IsCollected(string meterName)
    {
        foreach (var pattern in _options.Meters)
        {
            if (pattern.EndsWith('*')
                ? meterName.StartsWith(pattern[..^1], StringComparison.Ordinal)
                : string.Equals(pattern, meterName, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private enum Aggregation
    {
        Sum,
        LastValue,
        Histogram,
    }

    /// <summary>One instrument's series, keyed by label set.</summary>
    private sealed class InstrumentState
    {
        private static readonly KeyValuePair<string, object?>[] OverflowTags = [new("otel_metric_overflow", "true")];

        private readonly Lock _gate = new();
        private readonly Dictionary<int, List<Series>> _byHash = [];
        private readonly List<Series> _series = [];
        private readonly double[] _boundaries;

        // A histogram's sample names and bucket labels never change: built once, not on every scrape.
        private readonly string _bucketName;
        private readonly string _sumName;
        private readonly string _countName;
        private readonly string[] _boundaryLabels;
        private readonly int _maxSeries;
        private readonly bool _observable;
        private readonly Aggregation _aggregation;
        private bool _completed;

        private InstrumentState(Instrument instrument, string metricName, string type, Aggregation aggregation, double[] boundaries, int maxSeries)
        {
            MetricName = metricName;
            Type = type;
            Help = instrument.Description ?? instrument.Name;
            _aggregation = aggregation;
            _boundaries = boundaries;
            (_bucketName, _sumName, _countName) = (metricName + "_bucket", metricName + "_sum", metricName + "_count");
            _boundaryLabels = Array.ConvertAll(boundaries, PrometheusNames.FormatValue);
            _maxSeries = maxSeries;
            _observable = instrument.IsObservable;
        }

        public string MetricName { get; }

        public string Type { get; }

        public string Help { get; }

        public static InstrumentState? Create(Instrument instrument, PrometheusExporterOptions options)
        {
            var baseName = PrometheusNames.MetricName(instrument.Name, instrument.Unit);
            var definition = instrument.GetType().GetGenericTypeDefinition().Name switch
            {
                "Counter`1" or "ObservableCounter`1" => ("counter", Aggregation.Sum, baseName + "_total"),
                "UpDownCounter`1" => ("gauge", Aggregation.Sum, baseName),
                "ObservableUpDownCounter`1" or "ObservableGauge`1" or "Gauge`1" => ("gauge", Aggregation.LastValue, baseName),
                "Histogram`1" => ("histogram", Aggregation.Histogram, baseName),
                _ => default((string, Aggregation, string)?),
            };
            if (definition is not var (type, aggregation, name))
            {
                return null;
            }

            if (name.EndsWith("_total_total", StringComparison.Ordinal))
            {
                name = name[..^"_total".Length];
            }

            var boundaries = aggregation == Aggregation.Histogram ? HistogramBoundaries(instrument, options) : [];
            return new InstrumentState(instrument, name, type, aggregation, boundaries, options.MaxSeriesPerInstrument);
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (_gate)
            {
                if (_completed)
                {
                    return;
                }

                var series = Find(tags);
                switch (_aggregation)
                {
                    case Aggregation.Sum when !_observable:
                        series.Value += value;
                        break;
                    case Aggregation.Histogram:
                        var bucket = Array.BinarySearch(_boundaries, value);
                        series.Buckets![bucket >= 0 ? bucket : ~bucket]++;
                        series.Value += value;
                        series.Count++;
                        break;
                    default:
                        series.Value = value;
                        break;
                }

                series.Observed = true;
            }
        }

        /// <summary>Observable series that no callback reports any more disappear from the output.</summary>
        public void BeginObservation()
        {
            if (!_observable)
            {
                return;
            }

            lock (_gate)
            {
                foreach (var series in _series)
                {
                    series.Observed = false;
                }
            }
        }

        /// <summary>The meter was disposed: keep what was recorded, accept nothing more.</summary>
        public void Complete()
        {
            lock (_gate)
            {
                _completed = true;
            }
        }

        public void WriteHeader(StringBuilder output)
        {
            output.Append("# HELP ").Append(MetricName).Append(' ').Append(PrometheusNames.EscapeHelp(Help)).Append('\n');
            output.Append("# TYPE ").Append(MetricName).Append(' ').Append(Type).Append('\n');
        }

        public void WriteSeries(StringBuilder output)
        {
            lock (_gate)
            {
                foreach (var series in _series.OrderBy(s => s.LabelText, StringComparer.Ordinal))
                {
                    if (!series.Observed)
                    {
                        continue;
                    }

                    if (_aggregation != Aggregation.Histogram)
                    {
                        AppendSample(output, MetricName, series.LabelText, null, series.Value);
                        continue;
                    }

                    long cumulative = 0;
                    for (var i = 0; i < _boundaries.Length; i++)
                    {
                        cumulative += series.Buckets![i];
                        AppendSample(output, _bucketName, series.LabelText, _boundaryLabels[i], cumulative);
                    }

                    AppendSample(output, _bucketName, series.LabelText, "+Inf", series.Count);
                    AppendSample(output, _sumName, series.LabelText, null, series.Value);
                    AppendSample(output, _countName, series.LabelText, null, series.Count);
                }
            }
        }

        private static void AppendSample(StringBuilder output, string name, string labels, string? le, double value)
        {
            output.Append(name);
            if (labels.Length > 0 || le is not null)
            {
                output.Append('{').Append(labels);
                if (le is not null)
                {
                    output.Append(labels.Length > 0 ? "," : string.Empty).Append("le=\"").Append(le).Append('"');
                }

                output.Append('}');
            }

            output.Append(' ').Append(PrometheusNames.FormatValue(value)).Append('\n');
        }

        private static double[] HistogramBoundaries(Instrument instrument, PrometheusExporterOptions options)
        {
            if (options.HistogramBoundaries.TryGetValue(instrument.Name, out var configured))
            {
                return [.. configured];
            }

            var advised = instrument switch
            {
                Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
                Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
                Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
                _ => null,
            };
            return advised ?? [.. options.DefaultHistogramBoundaries];
        }

        /// <summary>Finds the series for a label set regardless of tag order; creates it, or the overflow series, if new.</summary>
        private Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags, bool isOverflow = false)
        {
            var hash = 0;
            foreach (var tag in tags)
            {
                hash += HashCode.Combine(StringComparer.Ordinal.GetHashCode(tag.Key), tag.Value);
            }

            if (_byHash.TryGetValue(hash, out var candidates))
            {
                foreach (var candidate in candidates)
                {
                    if (candidate.Matches(tags))
                    {
                        return candidate;
                    }
                }
            }

            if (_series.Count >= _maxSeries && !isOverflow)
            {
                return Find(OverflowTags, isOverflow: true);
            }

            var created = new Series(tags.ToArray(), _aggregation == Aggregation.Histogram ? new long[_boundaries.Length + 1] : null);
            if (candidates is null)
            {
                _byHash[hash] = candidates = [];
            }

            candidates.Add(created);
            _series.Add(created);
            return created;
        }
    }

    private sealed class Series(KeyValuePair<string, object?>[] tags, long[]? buckets)
    {
        public string LabelText { get; } = PrometheusNames.Labels(tags);

        public long[]? Buckets { get; } = buckets;

        public double Value { get; set; }

        public long Count { get; set; }

        public bool Observed { get; set; }

        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> other)
        {
            if (other.Length != tags.Length)
            {
                return false;
            }

            foreach (var tag in other)
            {
                var found = false;
                foreach (var own in tags)
                {
                    if (string.Equals(own.Key, tag.Key, StringComparison.Ordinal) && Equals(own.Value, tag.Value))
                    {
                        found = true;
                        break;
                    }
                }

                if (!found)
                {
                    return false;
                }
            }

            return true;
        }
    }
}

/// <summary>Prometheus naming and escaping rules.</summary>
internal static class PrometheusNames
{
    /// <summary><c>http.server.request.duration</c> in <c>s</c> → <c>http_server_request_duration_seconds</c>.</summary>
    public static string MetricName(string instrumentName, string? unit)
    {
        var name = Sanitise(instrumentName);
        var suffix = unit switch
        {
            "s" => "_seconds",
            "ms" => "_milliseconds",
            "By" => "_bytes",
            "1" => "_ratio",
            _ => string.Empty,
        };
        return suffix.Length > 0 && !name.EndsWith(suffix, StringComparison.Ordinal) ? name + suffix : name;
    }

    public static string Labels(KeyValuePair<string, object?>[] tags)
    {
        if (tags.Length == 0)
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        foreach (var tag in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(Sanitise(tag.Key)).Append("=\"");
            var value = Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty;
            foreach (var c in value)
            {
                _ = c switch
                {
                    '\\' => builder.Append("\\\\"),
                    '"' => builder.Append("\\\""),
                    '\n' => builder.Append("\\n"),
                    _ => builder.Append(c),
                };
            }

            builder.Append('"');
        }

        return builder.ToString();
    }

    public static string EscapeHelp(string help) => help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string Sanitise(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_');
        }

        if (builder.Length > 0 && char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }
}
