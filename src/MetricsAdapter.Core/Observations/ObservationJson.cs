using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Core.Validation;

namespace MetricsAdapter.Core.Observations;

/// <summary>
/// The JSON form of observation v1. Field names are contracts (<c>../shared/docs/pipeline-contracts.md</c> §2);
/// unknown fields are ignored on read so producers can add fields. Times are RFC 3339 in UTC with <c>Z</c>;
/// the histogram is <c>{"buckets":[{"le":0.005,"count":3},…,{"le":"+Inf","count":10}],"sum":…,"count":…}</c>
/// with cumulative counts, as Prometheus exposes them.
/// </summary>
public static class ObservationJson
{
    /// <summary>Largest record accepted: a full histogram and long names fit in a few KiB.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>Longest interval one observation may cover.</summary>
    public static TimeSpan MaxInterval { get; } = TimeSpan.FromHours(1);

    /// <summary>Shortest interval one observation may cover.</summary>
    public static TimeSpan MinInterval { get; } = TimeSpan.FromMilliseconds(1);

    /// <summary>More requests per second than any one pod serves: a broken counter, refused as impossible.</summary>
    public const double MaxRequestsPerSecond = 1e8;

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>Writes <paramref name="observation"/> as one JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, Observation observation)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(observation);
        writer.WriteStartObject();
        writer.WriteString("schema"u8, Observation.SchemaV1);
        writer.WriteString("namespace"u8, observation.Service.Namespace);
        writer.WriteString("service"u8, observation.Service.Service);
        writer.WriteString("pod"u8, observation.Pod);
        if (observation.Node is not null)
        {
            writer.WriteString("node"u8, observation.Node);
        }

        writer.WriteString("start"u8, observation.Start.UtcDateTime);
        writer.WriteString("end"u8, observation.End.UtcDateTime);
        writer.WriteNumber("requests"u8, observation.Requests);
        writer.WriteNumber("errors"u8, observation.Errors);
        if (observation.Latency is { } latency)
        {
            writer.WriteStartObject("latency"u8);
            writer.WriteStartArray("buckets"u8);
            for (var i = 0; i < latency.UpperBounds.Count; i++)
            {
                writer.WriteStartObject();
                if (double.IsPositiveInfinity(latency.UpperBounds[i]))
                {
                    writer.WriteString("le"u8, "+Inf"u8);
                }
                else
                {
                    writer.WriteNumber("le"u8, latency.UpperBounds[i]);
                }

                writer.WriteNumber("count"u8, latency.CumulativeCounts[i]);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteNumber("sum"u8, latency.Sum);
            writer.WriteNumber("count"u8, latency.Count);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("latency"u8);
        }

        writer.WriteNumber("podAnomalyScore"u8, observation.PodAnomalyScore);
        writer.WriteNumber("sequence"u8, observation.Sequence);
        writer.WriteStartArray("flags"u8);
        foreach (var flag in observation.Flags)
        {
            writer.WriteStringValue(flag);
        }

        writer.WriteEndArray();
        if (observation.Sidecar is not null)
        {
            writer.WriteString("sidecar"u8, observation.Sidecar);
        }

        if (observation.Instance is not null)
        {
            writer.WriteString("instance"u8, observation.Instance);
        }

        writer.WriteEndObject();
    }

    /// <summary>The observation as UTF-8 JSON bytes.</summary>
    public static byte[] Serialize(Observation observation)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, observation);
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>
/// Reads and validates observation v1 records. Repeated names (namespaces, services, pods, nodes, flags, bucket
/// layouts) are shared rather than allocated per record, up to a bound. Thread-safe.
/// </summary>
public sealed class ObservationReader
{
    private const int MaxInlineName = 256;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _nameLookup;
    private readonly Dictionary<int, double[]> _layouts = [];
    private readonly int _maxNames;

    /// <param name="maxNames">Most distinct names kept for sharing; beyond it names are allocated per record.</param>
    public ObservationReader(int maxNames = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxNames);
        _maxNames = maxNames;
        _nameLookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>
    /// Parses and validates one record. On failure <paramref name="observation"/> is null and <paramref name="detail"/>
    /// says what is wrong in a sentence fit for a log line.
    /// </summary>
    public ObservationRejection TryRead(ReadOnlySpan<byte> utf8, out Observation? observation, out string? detail)
    {
        observation = null;
        if (utf8.Length > ObservationJson.MaxBytes)
        {
            detail = $"record of {utf8.Length.ToString(CultureInfo.InvariantCulture)} bytes exceeds {ObservationJson.MaxBytes.ToString(CultureInfo.InvariantCulture)}";
            return ObservationRejection.TooLarge;
        }

        var fields = new Fields();
        try
        {
            var rejection = ReadFields(utf8, ref fields, out detail);
            if (rejection != ObservationRejection.None)
            {
                return rejection;
            }
        }
        catch (JsonException exception)
        {
            detail = "not JSON: " + exception.Message;
            return ObservationRejection.NotJson;
        }
        catch (InvalidOperationException exception)
        {
            detail = "not JSON: " + exception.Message;
            return ObservationRejection.NotJson;
        }

        return Validate(ref fields, out observation, out detail);
    }

    private ObservationRejection ReadFields(ReadOnlySpan<byte> utf8, ref Fields fields, out string? detail)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 8 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            detail = "not a JSON object";
            return ObservationRejection.NotJson;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("schema"u8))
            {
                reader.Read();
                fields.SchemaOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(Observation.SchemaV1);
                fields.SchemaSeen = true;
            }
            else if (reader.ValueTextEquals("namespace"u8))
            {
                fields.Namespace = ReadName(ref reader);
            }
            else if (reader.ValueTextEquals("service"u8))
            {
                fields.Service = ReadName(ref reader);
            }
            else if (reader.ValueTextEquals("pod"u8))
            {
                fields.Pod = ReadName(ref reader);
            }
            else if (reader.ValueTextEquals("node"u8))
            {
                fields.Node = ReadName(ref reader);
            }
            else if (reader.ValueTextEquals("sidecar"u8))
            {
                fields.Sidecar = ReadName(ref reader);
            }
            else if (reader.ValueTextEquals("instance"u8))
            {
                fields.Instance = ReadName(ref reader);
            }
            else if (reader.ValueTextEquals("start"u8))
            {
                fields.Start = ReadTime(ref reader);
            }
            else if (reader.ValueTextEquals("end"u8))
            {
                fields.End = ReadTime(ref reader);
            }
            else if (reader.ValueTextEquals("requests"u8))
            {
                fields.Requests = ReadNumber(ref reader);
            }
            else if (reader.ValueTextEquals("errors"u8))
            {
                fields.Errors = ReadNumber(ref reader);
            }
            else if (reader.ValueTextEquals("podAnomalyScore"u8))
            {
                fields.PodAnomalyScore = ReadNumber(ref reader);
            }
            else if (reader.ValueTextEquals("sequence"u8))
            {
                reader.Read();
                fields.Sequence = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var sequence) ? sequence : null;
            }
            else if (reader.ValueTextEquals("flags"u8))
            {
                if (!ReadFlags(ref reader, ref fields))
                {
                    detail = "flags must be an array of strings";
                    return ObservationRejection.MissingField;
                }
            }
            else if (reader.ValueTextEquals("latency"u8))
            {
                var rejection = ReadLatency(ref reader, ref fields, out detail);
                if (rejection != ObservationRejection.None)
                {
                    return rejection;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            detail = "not a single JSON object";
            return ObservationRejection.NotJson;
        }

        detail = null;
        return ObservationRejection.None;
    }

    private ObservationRejection ReadLatency(ref Utf8JsonReader reader, ref Fields fields, out string? detail)
    {
        detail = null;
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return ObservationRejection.None;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            detail = "latency must be an object or null";
            return ObservationRejection.InvalidHistogram;
        }

        Span<double> bounds = stackalloc double[LatencyHistogram.MaxBuckets];
        Span<double> counts = stackalloc double[LatencyHistogram.MaxBuckets];
        var buckets = -1;
        double? sum = null;
        double? count = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("buckets"u8))
            {
                buckets = ReadBuckets(ref reader, bounds, counts);
                if (buckets < 0)
                {
                    detail = buckets == -2
                        ? $"a histogram may have at most {LatencyHistogram.MaxBuckets} buckets"
                        : "buckets must be an array of {\"le\": number or \"+Inf\", \"count\": number}";
                    return ObservationRejection.InvalidHistogram;
                }
            }
            else if (reader.ValueTextEquals("sum"u8))
            {
                sum = ReadNumber(ref reader);
            }
            else if (reader.ValueTextEquals("count"u8))
            {
                count = ReadNumber(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (buckets < 0 || sum is null || count is null)
        {
            detail = "latency needs buckets, sum and count";
            return ObservationRejection.InvalidHistogram;
        }

        var boundsArray = SharedLayout(bounds[..buckets]);
        var countsArray = counts[..buckets].ToArray();
        if (LatencyHistogram.Validate(boundsArray, countsArray, sum.Value, count.Value) is { } error)
        {
            detail = error;
            return ObservationRejection.InvalidHistogram;
        }

        fields.Latency = LatencyHistogram.CreateValidated(boundsArray, countsArray, sum.Value, count.Value);
        return ObservationRejection.None;
    }

    /// <returns>The number of buckets read, −1 for a malformed array, −2 for too many buckets.</returns>
    private static int ReadBuckets(ref Utf8JsonReader reader, scoped Span<double> bounds, scoped Span<double> counts)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return -1;
        }

        var n = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            if (n == bounds.Length)
            {
                return -2;
            }

            double? le = null;
            double? count = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("le"u8))
                {
                    reader.Read();
                    le = reader.TokenType switch
                    {
                        JsonTokenType.Number when reader.TryGetDouble(out var bound) => bound,
                        JsonTokenType.String when reader.ValueTextEquals("+Inf"u8) || reader.ValueTextEquals("Infinity"u8) => double.PositiveInfinity,
                        JsonTokenType.String => ParseBound(reader.GetString()),
                        _ => null,
                    };
                }
                else if (reader.ValueTextEquals("count"u8))
                {
                    count = ReadNumber(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (le is null || count is null)
            {
                return -1;
            }

            bounds[n] = le.Value;
            counts[n] = count.Value;
            n++;
        }

        return reader.TokenType == JsonTokenType.EndArray ? n : -1;
    }

    /// <summary>Prometheus writes bounds as text (<c>"0.005"</c>); accept that spelling too.</summary>
    private static double? ParseBound(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static double? ReadNumber(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value) ? value : null;
    }

    private static DateTimeOffset? ReadTime(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var value) ? value : null;
    }

    private bool ReadFlags(ref Utf8JsonReader reader, ref Fields fields)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        List<string>? flags = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                return false;
            }

            (flags ??= []).Add(Intern(ref reader));
        }

        fields.Flags = flags is null ? [] : [.. flags];
        return true;
    }

    private string? ReadName(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.String ? Intern(ref reader) : null;
    }

    private string Intern(ref Utf8JsonReader reader)
    {
        if (reader.HasValueSequence || reader.ValueIsEscaped || reader.ValueSpan.Length > MaxInlineName)
        {
            return Intern(reader.GetString()!);
        }

        var bytes = reader.ValueSpan;
        Span<char> chars = stackalloc char[MaxInlineName];
        var length = Encoding.UTF8.GetChars(bytes, chars);
        var text = chars[..length];
        lock (_gate)
        {
            if (_nameLookup.TryGetValue(text, out var known))
            {
                return known;
            }

            var created = new string(text);
            if (_names.Count < _maxNames)
            {
                _names.Add(created);
            }

            return created;
        }
    }

    private string Intern(string text)
    {
        lock (_gate)
        {
            if (_names.TryGetValue(text, out var known))
            {
                return known;
            }

            if (_names.Count < _maxNames)
            {
                _names.Add(text);
            }

            return text;
        }
    }

    /// <summary>Bucket layouts repeat on every record of a pod: share one array per layout.</summary>
    private double[] SharedLayout(ReadOnlySpan<double> bounds)
    {
        var hash = new HashCode();
        foreach (var bound in bounds)
        {
            hash.Add(bound);
        }

        var key = hash.ToHashCode();
        lock (_gate)
        {
            if (_layouts.TryGetValue(key, out var known) && known.AsSpan().SequenceEqual(bounds))
            {
                return known;
            }

            var created = bounds.ToArray();
            if (_layouts.Count < _maxNames)
            {
                _layouts[key] = created;
            }

            return created;
        }
    }

    private static ObservationRejection Validate(ref Fields fields, out Observation? observation, out string? detail)
    {
        observation = null;
        if (!fields.SchemaOk)
        {
            detail = fields.SchemaSeen ? $"schema is not \"{Observation.SchemaV1}\"" : "schema is missing";
            return ObservationRejection.WrongSchema;
        }

        if (fields.Namespace is null || fields.Service is null || fields.Pod is null || fields.Start is null || fields.End is null
            || fields.Requests is null || fields.Sequence is null)
        {
            detail = "namespace, service, pod, start, end, requests and sequence are required, with their JSON types";
            return ObservationRejection.MissingField;
        }

        if (!ServiceKey.TryCreate(fields.Namespace, fields.Service, out var service, out var keyError))
        {
            detail = keyError;
            return ObservationRejection.InvalidIdentity;
        }

        if (KubernetesNames.ValidateDns1123Subdomain(fields.Pod) is { } podError)
        {
            detail = $"pod \"{fields.Pod}\" is invalid: {podError}";
            return ObservationRejection.InvalidIdentity;
        }

        if (fields.Node is not null && KubernetesNames.ValidateDns1123Subdomain(fields.Node) is { } nodeError)
        {
            detail = $"node \"{fields.Node}\" is invalid: {nodeError}";
            return ObservationRejection.InvalidIdentity;
        }

        var (start, end) = (fields.Start.Value, fields.End.Value);
        if (start.Offset != TimeSpan.Zero || end.Offset != TimeSpan.Zero)
        {
            detail = "start and end must be in UTC";
            return ObservationRejection.InvalidInterval;
        }

        if (end - start < ObservationJson.MinInterval || end - start > ObservationJson.MaxInterval)
        {
            detail = "the interval must be at least a millisecond and at most an hour";
            return ObservationRejection.InvalidInterval;
        }

        var requests = fields.Requests.Value;
        var errors = fields.Errors ?? 0;
        var score = fields.PodAnomalyScore ?? 0;
        if (!double.IsFinite(requests) || requests < 0 || !double.IsFinite(errors) || errors < 0 || errors > requests)
        {
            detail = "requests and errors must be finite, not negative, with errors ≤ requests";
            return ObservationRejection.ImpossibleValue;
        }

        if (requests / (end - start).TotalSeconds > ObservationJson.MaxRequestsPerSecond)
        {
            detail = $"{requests} requests in {(end - start).TotalSeconds} s is beyond any pod ({ObservationJson.MaxRequestsPerSecond:0e0} requests/s)";
            return ObservationRejection.ImpossibleValue;
        }

        if (!double.IsFinite(score) || score < 0 || score > 1)
        {
            detail = "podAnomalyScore must be in [0, 1]";
            return ObservationRejection.ImpossibleValue;
        }

        if (fields.Sequence.Value < 0)
        {
            detail = "sequence must not be negative";
            return ObservationRejection.ImpossibleValue;
        }

        observation = new Observation
        {
            Service = service,
            Pod = fields.Pod,
            Node = fields.Node,
            Start = start,
            End = end,
            Requests = requests,
            Errors = errors,
            Latency = fields.Latency,
            PodAnomalyScore = score,
            Sequence = fields.Sequence.Value,
            Flags = fields.Flags ?? [],
            Sidecar = fields.Sidecar,
            Instance = fields.Instance,
        };
        detail = null;
        return ObservationRejection.None;
    }

    private ref struct Fields
    {
        public bool SchemaSeen;
        public bool SchemaOk;
        public string? Namespace;
        public string? Service;
        public string? Pod;
        public string? Node;
        public string? Sidecar;
        public string? Instance;
        public DateTimeOffset? Start;
        public DateTimeOffset? End;
        public double? Requests;
        public double? Errors;
        public double? PodAnomalyScore;
        public long? Sequence;
        public string[]? Flags;
        public LatencyHistogram? Latency;
    }
}
