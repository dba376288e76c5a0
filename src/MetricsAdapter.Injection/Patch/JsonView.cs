using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MetricsAdapter.Injection.Patch;

/// <summary>
/// A copy-on-write view of a parsed document as a <see cref="JsonNode"/> tree. Objects and arrays that nobody edits
/// stay as the parser produced them (a <see cref="JsonValue"/> holding the <see cref="JsonElement"/>); editing a path
/// opens just that path, one level at a time, into ordinary <see cref="JsonObject"/>s and <see cref="JsonArray"/>s.
/// </summary>
/// <remarks>
/// Why: a pod is several kilobytes and we touch four of its objects. Materialising and copying the whole tree, then
/// comparing it back member by member, cost most of the webhook's time. Here untouched subtrees are never copied,
/// and <see cref="JsonPatch"/> recognises them as unchanged by identity (same bytes of the same parse), so the diff
/// costs the size of the change, not of the pod. Every field, known or not, is carried through unchanged.
/// </remarks>
public static class JsonView
{
    private static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<RawJson> RawJsonInfo = RawJsonContext.Default.RawJson;

    /// <summary>A node for <paramref name="element"/>: objects and arrays stay unparsed until opened.</summary>
    public static JsonNode? Wrap(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object or JsonValueKind.Array => JsonValue.Create(new RawJson(element), RawJsonInfo),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => JsonValue.Create(element),
    };

    /// <summary>An editable object whose members are views of <paramref name="element"/>'s members.</summary>
    public static JsonObject OpenObject(JsonElement element)
    {
        var opened = new JsonObject();
        foreach (var member in element.EnumerateObject())
        {
            opened[member.Name] = Wrap(member.Value);
        }

        return opened;
    }

    /// <summary>An editable array whose items are views of <paramref name="element"/>'s items.</summary>
    public static JsonArray OpenArray(JsonElement element)
    {
        var opened = new JsonArray();
        foreach (var item in element.EnumerateArray())
        {
            opened.Add(Wrap(item));
        }

        return opened;
    }

    /// <summary>
    /// The member <paramref name="key"/> of <paramref name="parent"/> as an editable object, opening it in place if
    /// it is still raw; null if it is missing or not an object.
    /// </summary>
    public static JsonObject? EditObject(JsonObject parent, string key) => Edit(parent, key, JsonValueKind.Object, OpenObject);

    /// <summary>As <see cref="EditObject"/>, for arrays.</summary>
    public static JsonArray? EditArray(JsonObject parent, string key) => Edit(parent, key, JsonValueKind.Array, OpenArray);

    private static TNode? Edit<TNode>(JsonObject parent, string key, JsonValueKind kind, Func<JsonElement, TNode> open)
        where TNode : JsonNode
    {
        ArgumentNullException.ThrowIfNull(parent);
        switch (parent[key])
        {
            case TNode editable:
                return editable;
            case JsonNode node when TryGetElement(node, out var element) && element.ValueKind == kind:
                var opened = open(element);
                parent[key] = opened;
                return opened;
            default:
                return null;
        }
    }

    /// <summary>The parsed element behind a node that has not been opened (any kind), if it is one.</summary>
    public static bool TryGetElement(JsonNode? node, out JsonElement element)
    {
        if (node is JsonValue value)
        {
            if (value.TryGetValue<RawJson>(out var raw))
            {
                element = raw.Element;
                return true;
            }

            if (value.TryGetValue(out element))
            {
                return true;
            }
        }

        element = default;
        return false;
    }

    /// <summary>Whether two elements are the very same bytes of the same parse: equal without looking inside.</summary>
    public static bool AreSame(JsonElement left, JsonElement right)
    {
        if (left.ValueKind != right.ValueKind)
        {
            return false;
        }

        var a = JsonMarshal.GetRawUtf8Value(left);
        var b = JsonMarshal.GetRawUtf8Value(right);
        return a.Length == b.Length && Unsafe.AreSame(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b));
    }

    /// <summary>An unopened object or array inside a node tree; it serialises as the original JSON.</summary>
    [JsonConverter(typeof(RawJsonConverter))]
    internal readonly record struct RawJson(JsonElement Element);

    internal sealed class RawJsonConverter : JsonConverter<RawJson>
    {
        public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new(JsonElement.ParseValue(ref reader));

        public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);

            // The bytes came out of a successful parse: copy them as they are.
            writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(value.Element), skipInputValidation: true);
        }
    }
}

[JsonSerializable(typeof(JsonView.RawJson))]
internal sealed partial class RawJsonContext : JsonSerializerContext;

/// <summary>A side of a comparison: a parsed element or a node; the diff treats both alike.</summary>
internal readonly struct JsonSide
{
    private readonly JsonElement _element;

    private JsonSide(JsonElement element, JsonNode? node, bool isElement)
    {
        _element = element;
        Node = node;
        IsElement = isElement;
    }

    public bool IsElement { get; }

    public JsonNode? Node { get; }

    public JsonElement Element => _element;

    public static JsonSide Of(JsonNode? node) =>
        JsonView.TryGetElement(node, out var element) ? new JsonSide(element, node, true) : new JsonSide(default, node, false);

    public static JsonSide Of(JsonElement element) => new(element, null, true);

    public JsonValueKind Kind => IsElement ? _element.ValueKind : Node switch
    {
        null => JsonValueKind.Null,
        JsonObject => JsonValueKind.Object,
        JsonArray => JsonValueKind.Array,
        _ => Node.GetValueKind(),
    };

    /// <summary>This side as a node for a patch operation's value (unopened parts serialise as parsed).</summary>
    public JsonNode? ToNode() => IsElement ? Node ?? JsonView.Wrap(_element) : Node;

    public bool TryGetMember(string name, out JsonSide member)
    {
        if (IsElement)
        {
            var found = _element.TryGetProperty(name, out var element);
            member = found ? Of(element) : default;
            return found;
        }

        var has = ((JsonObject)Node!).TryGetPropertyValue(name, out var node);
        member = has ? Of(node) : default;
        return has;
    }

    public IEnumerable<(string Name, JsonSide Value)> Members()
    {
        if (IsElement)
        {
            foreach (var member in _element.EnumerateObject())
            {
                yield return (member.Name, Of(member.Value));
            }
        }
        else
        {
            foreach (var (name, node) in (JsonObject)Node!)
            {
                yield return (name, Of(node));
            }
        }
    }

    public List<(string Name, JsonSide Value)> MemberList()
    {
        var list = new List<(string Name, JsonSide Value)>(MemberCount);
        list.AddRange(Members());
        return list;
    }

    public JsonSide[] Items() => IsElement
        ? _element.EnumerateArray().Select(Of).ToArray()
        : ((JsonArray)Node!).Select(Of).ToArray();

    public int MemberCount => IsElement ? _element.GetPropertyCount() : ((JsonObject)Node!).Count;

    /// <summary>Whether both sides are the very same bytes of one parse (see <see cref="JsonView.AreSame"/>).</summary>
    public static bool AreSame(JsonSide left, JsonSide right) =>
        left.IsElement && right.IsElement && JsonView.AreSame(left._element, right._element);

    /// <summary>Deep equality; identical parses compare in constant time.</summary>
    public static bool DeepEquals(JsonSide left, JsonSide right)
    {
        if (left.IsElement && right.IsElement)
        {
            return AreSame(left, right) || JsonElement.DeepEquals(left._element, right._element);
        }

        if (!left.IsElement && !right.IsElement && left.Node is not JsonObject and not JsonArray && right.Node is not JsonObject and not JsonArray)
        {
            return JsonNode.DeepEquals(left.Node, right.Node);
        }

        var kind = left.Kind;
        if (kind != right.Kind)
        {
            return false;
        }

        switch (kind)
        {
            case JsonValueKind.Object:
                if (left.MemberCount != right.MemberCount)
                {
                    return false;
                }

                foreach (var (name, value) in left.Members())
                {
                    if (!right.TryGetMember(name, out var other) || !DeepEquals(value, other))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Array:
                var a = left.Items();
                var b = right.Items();
                if (a.Length != b.Length)
                {
                    return false;
                }

                for (var i = 0; i < a.Length; i++)
                {
                    if (!DeepEquals(a[i], b[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return JsonNode.DeepEquals(left.ToNode(), right.ToNode());
        }
    }
}
