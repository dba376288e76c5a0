using System.Globalization;
using System.Text.Json.Nodes;
using MetricsAdapter.Injection.Patch;

namespace MetricsAdapter.Injection.Tests;

/// <summary>
/// A second RFC 6902 implementation, written from the RFC for the diff's property tests (the golden tests use
/// kubectl's, the API server's own library). Applies add, remove and replace; refuses what the RFC refuses.
/// </summary>
internal static class JsonPatchApplier
{
    public static JsonNode? Apply(JsonNode? document, IEnumerable<JsonPatchOperation> operations)
    {
        var root = document?.DeepClone();
        foreach (var operation in operations)
        {
            var tokens = JsonPointer.Parse(operation.Path);
            if (tokens.Count == 0)
            {
                root = operation.Op == "remove" ? null : operation.Value?.DeepClone();
                continue;
            }

            var parent = Resolve(root, tokens.Take(tokens.Count - 1))
                ?? throw new InvalidOperationException($"{operation.Op} {operation.Path}: the parent does not exist");
            var last = tokens[^1];
            switch (parent, operation.Op)
            {
                case (JsonObject obj, "add"):
                    obj[last] = operation.Value?.DeepClone();
                    break;
                case (JsonObject obj, "replace" or "remove") when !obj.ContainsKey(last):
                    throw new InvalidOperationException($"{operation.Op} {operation.Path}: no such member");
                case (JsonObject obj, "replace"):
                    obj[last] = operation.Value?.DeepClone();
                    break;
                case (JsonObject obj, "remove"):
                    obj.Remove(last);
                    break;
                case (JsonArray array, "add"):
                    var insertAt = last == "-" ? array.Count : Index(last, array.Count);
                    array.Insert(insertAt, operation.Value?.DeepClone());
                    break;
                case (JsonArray array, "replace"):
                    array[Index(last, array.Count - 1)] = operation.Value?.DeepClone();
                    break;
                case (JsonArray array, "remove"):
                    array.RemoveAt(Index(last, array.Count - 1));
                    break;
                default:
                    throw new InvalidOperationException($"{operation.Op} {operation.Path}: cannot apply to {parent.GetValueKind()}");
            }
        }

        return root;
    }

    private static JsonNode? Resolve(JsonNode? node, IEnumerable<string> tokens)
    {
        foreach (var token in tokens)
        {
            node = node switch
            {
                JsonObject obj => obj.TryGetPropertyValue(token, out var child) ? child : throw new InvalidOperationException($"no member {token}"),
                JsonArray array => array[Index(token, array.Count - 1)],
                _ => throw new InvalidOperationException($"cannot descend into {token}"),
            };
        }

        return node;
    }

    private static int Index(string token, int max)
    {
        if (token.Length == 0 || (token.Length > 1 && token[0] == '0') || !int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index > max)
        {
            throw new InvalidOperationException($"\"{token}\" is not an index up to {max}");
        }

        return index;
    }
}
