using System.Text.Json;

namespace MetricsAdapter.Injection;

/// <summary>Lenient reads of parsed JSON: a missing member, or one of another kind, is null rather than an error.</summary>
internal static class JsonRead
{
    /// <summary>The member <paramref name="key"/> of <paramref name="node"/> when it is an object that has one.</summary>
    public static JsonElement? Member(JsonElement node, string key) =>
        node.ValueKind == JsonValueKind.Object && node.TryGetProperty(key, out var value) ? value : null;

    /// <summary>The string member <paramref name="key"/> of <paramref name="node"/>; null when missing or not a string.</summary>
    public static string? Text(JsonElement? node, string key) =>
        node is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
