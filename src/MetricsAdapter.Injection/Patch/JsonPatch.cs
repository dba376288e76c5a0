using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MetricsAdapter.Injection.Patch;

/// <summary>One RFC 6902 operation. Only <c>add</c>, <c>remove</c> and <c>replace</c> are produced.</summary>
public sealed record JsonPatchOperation(string Op, string Path, JsonNode? Value = null);

/// <summary>
/// Computes the RFC 6902 patch that turns one JSON document into another: a pure diff, so the patch says exactly
/// what changed and nothing is assembled by hand. Objects are compared key by key (new keys are added whole, which
/// creates missing parents such as <c>/metadata/annotations</c> before anything is put in them); arrays by their
/// longest common subsequence, so an element prepended to <c>initContainers</c> is one <c>add</c> at index 0 and an
/// element changed in place is patched inside.
/// </summary>
public static class JsonPatch
{
    public static IReadOnlyList<JsonPatchOperation> Diff(JsonNode? original, JsonNode? desired)
    {
        var operations = new List<JsonPatchOperation>();
        DiffNode(original, desired, string.Empty, operations);
        return operations;
    }

    /// <summary>The patch as UTF-8 JSON: <c>[{"op":"add","path":"/x","value":…}]</c>, keys in that order.</summary>
    public static byte[] Serialize(IReadOnlyList<JsonPatchOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            foreach (var operation in operations)
            {
                writer.WriteStartObject();
                writer.WriteString("op", operation.Op);
                writer.WriteString("path", operation.Path);
                if (operation.Op != "remove")
                {
                    writer.WritePropertyName("value");
                    if (operation.Value is null)
                    {
                        writer.WriteNullValue();
                    }
                    else
                    {
                        operation.Value.WriteTo(writer);
                    }
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void DiffNode(JsonNode? original, JsonNode? desired, string path, List<JsonPatchOperation> operations)
    {
        if (JsonNode.DeepEquals(original, desired))
        {
            return;
        }

        switch (original, desired)
        {
            case (JsonObject from, JsonObject to):
                DiffObject(from, to, path, operations);
                break;
            case (JsonArray from, JsonArray to):
                DiffArray(from, to, path, operations);
                break;
            default:
                operations.Add(new JsonPatchOperation("replace", path, desired?.DeepClone()));
                break;
        }
    }

    private static void DiffObject(JsonObject original, JsonObject desired, string path, List<JsonPatchOperation> operations)
    {
        foreach (var (key, _) in original)
        {
            if (!desired.ContainsKey(key))
            {
                operations.Add(new JsonPatchOperation("remove", JsonPointer.Append(path, key)));
            }
        }

        foreach (var (key, value) in desired)
        {
            var child = JsonPointer.Append(path, key);
            if (original.TryGetPropertyValue(key, out var before))
            {
                DiffNode(before, value, child, operations);
            }
            else
            {
                operations.Add(new JsonPatchOperation("add", child, value?.DeepClone()));
            }
        }
    }

    private static void DiffArray(JsonArray original, JsonArray desired, string path, List<JsonPatchOperation> operations)
    {
        // Common prefix and suffix first: most edits touch one end.
        var prefix = 0;
        while (prefix < original.Count && prefix < desired.Count && JsonNode.DeepEquals(original[prefix], desired[prefix]))
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < original.Count - prefix && suffix < desired.Count - prefix
            && JsonNode.DeepEquals(original[original.Count - 1 - suffix], desired[desired.Count - 1 - suffix]))
        {
            suffix++;
        }

        var from = original.Skip(prefix).Take(original.Count - prefix - suffix).ToArray();
        var to = desired.Skip(prefix).Take(desired.Count - prefix - suffix).ToArray();
        var script = EditScript(from, to);

        var index = prefix;
        for (var step = 0; step < script.Count; step++)
        {
            var (kind, fromIndex, toIndex) = script[step];
            switch (kind)
            {
                case Edit.Keep:
                    index++;
                    break;
                case Edit.Delete when step + 1 < script.Count && script[step + 1].Kind == Edit.Insert:
                    // A deletion followed by an insertion is a change in place: patch inside the element.
                    DiffNode(from[fromIndex], to[script[step + 1].ToIndex], JsonPointer.Append(path, index.ToString(CultureInfo.InvariantCulture)), operations);
                    index++;
                    step++;
                    break;
                case Edit.Delete:
                    operations.Add(new JsonPatchOperation("remove", JsonPointer.Append(path, index.ToString(CultureInfo.InvariantCulture))));
                    break;
                case Edit.Insert:
                    operations.Add(new JsonPatchOperation("add", JsonPointer.Append(path, index.ToString(CultureInfo.InvariantCulture)), to[toIndex]?.DeepClone()));
                    index++;
                    break;
            }
        }
    }

    private enum Edit
    {
        Keep,
        Delete,
        Insert,
    }

    /// <summary>Keep/delete/insert steps turning <paramref name="from"/> into <paramref name="to"/>, from their LCS.</summary>
    private static List<(Edit Kind, int FromIndex, int ToIndex)> EditScript(JsonNode?[] from, JsonNode?[] to)
    {
        var lengths = new int[from.Length + 1, to.Length + 1];
        for (var i = from.Length - 1; i >= 0; i--)
        {
            for (var j = to.Length - 1; j >= 0; j--)
            {
                lengths[i, j] = JsonNode.DeepEquals(from[i], to[j])
                    ? lengths[i + 1, j + 1] + 1
                    : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
            }
        }

        var script = new List<(Edit, int, int)>(from.Length + to.Length);
        int x = 0, y = 0;
        while (x < from.Length || y < to.Length)
        {
            if (x < from.Length && y < to.Length && JsonNode.DeepEquals(from[x], to[y]))
            {
                script.Add((Edit.Keep, x++, y++));
            }
            else if (y < to.Length && (x == from.Length || lengths[x, y + 1] > lengths[x + 1, y]))
            {
                script.Add((Edit.Insert, x, y++));
            }
            else
            {
                script.Add((Edit.Delete, x++, y));
            }
        }

        return script;
    }
}
