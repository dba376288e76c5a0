using System.Text.Json;
using MetricsAdapter.Injection.Json;

namespace MetricsAdapter.Injection;

/// <summary>Lenient reads of received JSON: a missing member, or one of another kind, is null rather than an error.</summary>
internal static class JsonRead
{
    /// <summary>The member <paramref name="key"/> of <paramref name="node"/> when it is an object that has one.</summary>
    public static SparseElement? Member(SparseElement? node, string key) =>
        node is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(key, out var value) ? value : null;

    /// <summary>The string member <paramref name="key"/> of <paramref name="node"/>; null when missing or not a string.</summary>
    public static string? Text(SparseElement? node, string key) =>
        Member(node, key) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    /// <summary>Whether member <paramref name="key"/> of <paramref name="node"/> is the string <paramref name="expected"/>.</summary>
    public static bool TextEquals(SparseElement? node, string key, string expected) =>
        Member(node, key) is { ValueKind: JsonValueKind.String } value && value.ValueEquals(expected);
}
