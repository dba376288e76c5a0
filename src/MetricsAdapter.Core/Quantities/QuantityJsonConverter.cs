using System.Text.Json;
using System.Text.Json.Serialization;

namespace MetricsAdapter.Core.Quantities;

/// <summary>
/// JSON form of a quantity, as apimachinery marshals it: always a string on write; on read a quoted string,
/// a bare number or <c>null</c> (zero), with surrounding spaces trimmed.
/// </summary>
public sealed class QuantityJsonConverter : JsonConverter<Quantity>
{
    public override bool HandleNull => true;

    public override Quantity Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
            _ => throw new JsonException($"A quantity must be a string or a number, not {reader.TokenType}."),
        };
        if (text is null)
        {
            return Quantity.Zero;
        }

        return Quantity.TryParse(text.Trim(), out var quantity, out var error)
            ? quantity
            : throw new JsonException($"Invalid quantity \"{text}\": {error}.");
    }

    public override void Write(Utf8JsonWriter writer, Quantity value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
