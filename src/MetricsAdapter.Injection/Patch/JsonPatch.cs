using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MetricsAdapter.Injection.Patch;

/// <summary>One RFC 6902 operation. Only <c>add</c>, <c>remove</c> and <c>replace</c> are produced.</summary>
/// <remarks><see cref="Value"/> may belong to the desired document: treat it as read-only.</remarks>
public sealed record JsonPatchOperation(string Op, string Path, JsonNode? Value = null);

/// <summary>
/// Computes the RFC 6902 patch that turns one JSON document into another: a pure diff, so the patch says exactly
/// what changed and nothing is assembled by hand. Objects are compared member by member (new members are added
/// whole, which creates missing parents such as <c>/metadata/annotations</c> before anything is put in them);
/// arrays by their longest common subsequence, so an element prepended to <c>initContainers</c> is one <c>add</c>
/// at index 0 and an element changed in place is patched inside. Documents may be <see cref="JsonView"/>s: parts
/// neither side opened are compared by identity.
/// </summary>
public static class JsonPatch
{
    public static IReadOnlyList<JsonPatchOperation> Diff(JsonNode? original, JsonNode? desired)
    {
        var operations = new List<JsonPatchOperation>();
        DiffSide(JsonSide.Of(original), JsonSide.Of(desired), string.Empty, operations);
        return operations;
    }

    /// <summary>The patch as UTF-8 JSON: <c>[{"op":"add","path":"/x","value":…}]</c>, keys in that order.</summary>
    public static byte[] Serialize(IReadOnlyList<JsonPatchOperation> operations)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        Serialize(operations, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <inheritdoc cref="Serialize(IReadOnlyList{JsonPatchOperation})"/>
    public static void Serialize(IReadOnlyList<JsonPatchOperation> operations, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(operations);
        using (var writer = new Utf8JsonWriter(destination, ApiServer.Json.ApiMachineryJsonContext.WireWriterOptions))
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
    }

    private static void DiffSide(JsonSide original, JsonSide desired, string path, List<JsonPatchOperation> operations)
    {
        if (JsonSide.AreSame(original, desired))
        {
            return;
        }

        var kind = original.Kind;
        if (kind == desired.Kind && kind == JsonValueKind.Object)
        {
            // Member by member: comparing whole objects first would walk every equal member twice.
            DiffObject(original, desired, path, operations);
        }
        else if (kind == desired.Kind && kind == JsonValueKind.Array)
        {
            DiffArray(original.Items(), desired.Items(), path, operations);
        }
        else if (!JsonSide.DeepEquals(original, desired))
        {
            operations.Add(new JsonPatchOperation("replace", path, desired.ToNode()));
        }
    }

    private static void DiffObject(JsonSide original, JsonSide desired, string path, List<JsonPatchOperation> operations)
    {
        if (original.IsElement && desired.Node is JsonObject opened && TryDiffOpened(original.Element, opened, path, operations))
        {
            return;
        }

        var before = original.MemberList();
        var after = desired.MemberList();
        for (var i = 0; i < before.Count; i++)
        {
            if (IndexOf(after, before[i].Name, i) < 0)
            {
                operations.Add(new JsonPatchOperation("remove", JsonPointer.Append(path, before[i].Name)));
            }
        }

        for (var i = 0; i < after.Count; i++)
        {
            var (name, value) = after[i];
            var at = IndexOf(before, name, i);
            if (at < 0)
            {
                operations.Add(new JsonPatchOperation("add", JsonPointer.Append(path, name), value.ToNode()));
            }
            else
            {
                DiffMember(before[at].Value, value, path, name, operations);
            }
        }
    }

    /// <summary>
    /// The common case of a <see cref="JsonView"/>: <paramref name="desired"/> was opened from
    /// <paramref name="original"/>, so it holds the same members in the same order, then any new ones. Walks both
    /// together without copying member lists; false (nothing emitted) when the shapes do not line up.
    /// </summary>
    private static bool TryDiffOpened(MetricsAdapter.Injection.Json.SparseElement original, JsonObject desired, string path, List<JsonPatchOperation> operations)
    {
        var count = desired.Count;
        var index = 0;
        foreach (var member in original.EnumerateObject())
        {
            if (index >= count || !member.NameEquals(desired.GetAt(index).Key))
            {
                return false;
            }

            index++;
        }

        index = 0;
        foreach (var member in original.EnumerateObject())
        {
            var (name, node) = desired.GetAt(index++);
            DiffMember(JsonSide.Of(member.Value), JsonSide.Of(node), path, name, operations);
        }

        for (; index < count; index++)
        {
            var (name, node) = desired.GetAt(index);
            operations.Add(new JsonPatchOperation("add", JsonPointer.Append(path, name), node));
        }

        return true;
    }

    /// <summary>Diffs one member; an untouched one is passed over before its path is even built.</summary>
    private static void DiffMember(JsonSide original, JsonSide desired, string path, string name, List<JsonPatchOperation> operations)
    {
        if (!JsonSide.AreSame(original, desired))
        {
            DiffSide(original, desired, JsonPointer.Append(path, name), operations);
        }
    }

    /// <summary>Members mostly keep their order, so look where the member is expected before scanning.</summary>
    private static int IndexOf(List<(string Name, JsonSide Value)> members, string name, int expectedAt)
    {
        if (expectedAt >= 0 && expectedAt < members.Count && string.Equals(members[expectedAt].Name, name, StringComparison.Ordinal))
        {
            return expectedAt;
        }

        for (var i = 0; i < members.Count; i++)
        {
            if (string.Equals(members[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static void DiffArray(JsonSide[] original, JsonSide[] desired, string path, List<JsonPatchOperation> operations)
    {
        // Common prefix and suffix first: most edits touch one end.
        var prefix = 0;
        while (prefix < original.Length && prefix < desired.Length && JsonSide.DeepEquals(original[prefix], desired[prefix]))
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < original.Length - prefix && suffix < desired.Length - prefix
            && JsonSide.DeepEquals(original[original.Length - 1 - suffix], desired[desired.Length - 1 - suffix]))
        {
            suffix++;
        }

        var from = original[prefix..(original.Length - suffix)];
        var to = desired[prefix..(desired.Length - suffix)];
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
                    DiffSide(from[fromIndex], to[script[step + 1].ToIndex], JsonPointer.Append(path, index.ToString(CultureInfo.InvariantCulture)), operations);
                    index++;
                    step++;
                    break;
                case Edit.Delete:
                    operations.Add(new JsonPatchOperation("remove", JsonPointer.Append(path, index.ToString(CultureInfo.InvariantCulture))));
                    break;
                case Edit.Insert:
                    operations.Add(new JsonPatchOperation("add", JsonPointer.Append(path, index.ToString(CultureInfo.InvariantCulture)), to[toIndex].ToNode()));
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
    private static List<(Edit Kind, int FromIndex, int ToIndex)> EditScript(JsonSide[] from, JsonSide[] to)
    {
        var script = new List<(Edit, int, int)>(from.Length + to.Length);
        if (from.Length == 0 || to.Length == 0)
        {
            script.AddRange(Enumerable.Range(0, from.Length).Select(i => (Edit.Delete, i, 0)));
            script.AddRange(Enumerable.Range(0, to.Length).Select(j => (Edit.Insert, from.Length, j)));
            return script;
        }

        var equal = new bool[from.Length, to.Length];
        var lengths = new int[from.Length + 1, to.Length + 1];
        for (var i = from.Length - 1; i >= 0; i--)
        {
            for (var j = to.Length - 1; j >= 0; j--)
            {
                equal[i, j] = JsonSide.DeepEquals(from[i], to[j]);
                lengths[i, j] = equal[i, j] ? lengths[i + 1, j + 1] + 1 : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
            }
        }

        int x = 0, y = 0;
        while (x < from.Length || y < to.Length)
        {
            if (x < from.Length && y < to.Length && equal[x, y])
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
