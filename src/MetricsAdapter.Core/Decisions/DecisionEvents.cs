using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Core.Quantities;

namespace MetricsAdapter.Core.Decisions;

/// <summary>
/// Decision record v1 on the audit topic: a CloudEvents 1.0 event in structured mode, JSON
/// (<c>../shared/docs/pipeline-contracts.md</c> §3). Written by the audit sink, read by <c>explain</c> and by
/// anyone's tooling; attribute and field names are contracts.
/// </summary>
public static class DecisionEvents
{
    public const string SpecVersion = "1.0";
    public const string EventType = "io.metrics-adapter.decision.v1";
    public const string DataContentType = "application/json";

    /// <summary>The Kafka content type of a structured-mode CloudEvent.</summary>
    public const string StructuredContentType = "application/cloudevents+json; charset=UTF-8";

    /// <summary>The event for <paramref name="decision"/>, from the adapter instance <paramref name="source"/>.</summary>
    public static DecisionEvent ToEvent(Decision decision, string source)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentException.ThrowIfNullOrEmpty(source);
        return new DecisionEvent
        {
            Id = decision.Id,
            Source = source,
            Time = decision.Tick,
            Subject = decision.Key.Service.ToString(),
            Data = new DecisionData
            {
                Metric = decision.Key.Metric,
                Value = decision.Value?.ToString(),
                Labels = decision.Labels.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal),
                HorizonSeconds = decision.Horizon?.TotalSeconds,
                Model = decision.Model,
                Inputs = decision.Inputs,
                Fallback = decision.Fallback,
                Explanation = decision.Explanation,
            },
        };
    }

    public static byte[] Serialize(Decision decision, string source) =>
        JsonSerializer.SerializeToUtf8Bytes(ToEvent(decision, source), DecisionJsonContext.Wire.DecisionEvent);

    /// <summary>Reads one record; false (with the reason) when it is not a decision record v1.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out DecisionEvent? decisionEvent, out string? error)
    {
        decisionEvent = null;
        try
        {
            decisionEvent = JsonSerializer.Deserialize(utf8, DecisionJsonContext.Wire.DecisionEvent);
        }
        catch (JsonException exception)
        {
            error = "not JSON: " + exception.Message;
            return false;
        }

        if (decisionEvent is null || decisionEvent.SpecVersion != SpecVersion || decisionEvent.Type != EventType || decisionEvent.Data is null
            || string.IsNullOrEmpty(decisionEvent.Id))
        {
            error = $"not a {EventType} CloudEvent";
            decisionEvent = null;
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>The <c>id</c> attribute of a structured-mode event, read without parsing the rest; null if it has none.</summary>
    public static string? TryReadId(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("id"u8);
                reader.Read();
                if (isId)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON: no id.
        }

        return null;
    }

    /// <summary>Turns a read record back into a decision (for replay and comparison); null if its fields do not add up.</summary>
    public static Decision? ToDecision(DecisionEvent decisionEvent)
    {
        ArgumentNullException.ThrowIfNull(decisionEvent);
        var data = decisionEvent.Data;
        if (data is null || !ServiceKey.TryParse(decisionEvent.Subject, out var service, out _)
            || !LabelSet.TryCreate(data.Labels ?? [], out var labels, out _) || data.Model is null || data.Inputs is null)
        {
            return null;
        }

        Quantity? value = null;
        if (data.Value is not null)
        {
            if (!Quantity.TryParse(data.Value, out var parsed, out _))
            {
                return null;
            }

            value = parsed;
        }

        return new Decision
        {
            Key = new MetricKey(service, data.Metric ?? string.Empty),
            Tick = decisionEvent.Time,
            Value = value,
            Labels = labels,
            Horizon = data.HorizonSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            Model = data.Model,
            Inputs = data.Inputs,
            Fallback = data.Fallback,
            Explanation = data.Explanation ?? string.Empty,
        };
    }
}

/// <summary>A CloudEvents 1.0 envelope in structured JSON mode carrying a decision.</summary>
public sealed record DecisionEvent
{
    [JsonPropertyName("specversion")]
    public string SpecVersion { get; init; } = DecisionEvents.SpecVersion;

    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("source")]
    public required string Source { get; init; }

    [JsonPropertyName("type")]
    public string Type { get; init; } = DecisionEvents.EventType;

    [JsonPropertyName("time")]
    [JsonConverter(typeof(Rfc3339UtcJsonConverter))]
    public required DateTimeOffset Time { get; init; }

    [JsonPropertyName("subject")]
    public required string Subject { get; init; }

    [JsonPropertyName("datacontenttype")]
    public string DataContentType { get; init; } = DecisionEvents.DataContentType;

    [JsonPropertyName("data")]
    public required DecisionData Data { get; init; }
}

/// <summary>The <c>data</c> of a decision record v1.</summary>
public sealed record DecisionData
{
    /// <summary><c>predicted_load</c> or <c>latency_anomaly_score</c>.</summary>
    public string? Metric { get; init; }

    /// <summary>The served value as the API serves it (a canonical Quantity), or null when the series was withdrawn.</summary>
    public string? Value { get; init; }

    public Dictionary<string, string>? Labels { get; init; }

    public double? HorizonSeconds { get; init; }

    public ModelIdentity? Model { get; init; }

    public DecisionInputs? Inputs { get; init; }

    public DecisionFallback? Fallback { get; init; }

    public string? Explanation { get; init; }
}

/// <summary>RFC 3339 in UTC with <c>Z</c>, fractional seconds only when there are any.</summary>
public sealed class Rfc3339UtcJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var value)
            ? value.ToUniversalTime()
            : throw new JsonException("expected an RFC 3339 time");

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    Converters = [typeof(Rfc3339UtcJsonConverter)],
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(DecisionEvent))]
public sealed partial class DecisionJsonContext : JsonSerializerContext
{
    /// <summary>
    /// As the records are written: readable explanations (no <c>\u0027</c> for an apostrophe), since these are
    /// never embedded in HTML.
    /// </summary>
    public static DecisionJsonContext Wire => LazyWire.Value;

    // Lazy: the generated Default is initialised in another part of this class, in an order C# does not fix.
    private static readonly Lazy<DecisionJsonContext> LazyWire = new(() => new(new JsonSerializerOptions(Default!.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    }));
}
