using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MetricsAdapter.Injection.Json;

namespace MetricsAdapter.Injection.Patch;

/// <summary>
/// A copy-on-write view of a parsed document as a <see cref="JsonNode"/> tree. Values that nobody edits stay as the
/// parser produced them (a <see cref="JsonValue"/> holding the <see cref="SparseElement"/>); editing a path
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

    /// <summary>A node for <paramref name="element"/>: it stays as received (and is written as its bytes) until opened.</summary>
    public static JsonNode? Wrap(SparseElement element) => element.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => JsonValue.Create(new RawJson(element), RawJsonInfo),
    };

    /// <summary>An editable object whose members are views of <paramref name="element"/>'s members.</summary>
    public static JsonObject OpenObject(SparseElement element)
    {
        var opened = new JsonObject();
        foreach (var member in element.EnumerateObject())
        {
            opened[member.Name] = Wrap(member.Value);
        }

        return opened;
    }

    /// <summary>An editable array whose items are views of <paramref name="element"/>'s items.</summary>
    public static JsonArray OpenArray(SparseElement element)
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

    private static TNode? Edit<TNode>(JsonObject parent, string key, JsonValueKind kind, Func<SparseElement, TNode> open)
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

    /// <summary>The received value behind a node that has not been opened (any kind), if it is one.</summary>
    public static bool TryGetElement(JsonNode? node, out SparseElement element)
    {
        if (node is JsonValue value && value.TryGetValue<RawJson>(out var raw))
        {
            element = raw.Element;
            return true;
        }

        element = default;
        return false;
    }

    /// <summary>An unopened value inside a node tree; it serialises as the bytes received.</summary>
    [JsonConverter(typeof(RawJsonConverter))]
    internal readonly record struct RawJson(SparseElement Element);

    internal sealed class RawJsonConverter : JsonConverter<RawJson>
    {
        public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("a view of a received document is written, never read back into one");

        public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);

            // The bytes passed the document's validating pass: copy them as they are.
            writer.WriteRawValue(value.Element.Utf8.Span, skipInputValidation: true);
        }
    }
}

[JsonSerializable(typeof(JsonView.RawJson))]
internal sealed partial class RawJsonContext : JsonSerializerContext;

/// <summary>A side of a comparison: a parsed element or a node; the diff treats both alike.</summary>
internal readonly struct JsonSide
{
    private readonly SparseElement _element;

    private JsonSide(SparseElement element, JsonNode? node, bool isElement)
    {
        _element = element;
        Node = node;
        IsElement = isElement;
    }

    public bool IsElement { get; }

    public JsonNode? Node { get; }

    public SparseElement Element => _element;

    public static JsonSide Of(JsonNode? node) =>
        JsonView.TryGetElement(node, out var element) ? new JsonSide(element, node, true) : new JsonSide(default, node, false);

    public static JsonSide Of(SparseElement element) => new(element, null, true);

    public JsonValueKind Kind => IsElement ? _element.ValueKind : Node switch
    {
        null => JsonValueKind.Null,
        JsonObject => JsonValueKind.Object,
        JsonArray => JsonValueKind.Array,
        _ => Node.GetValueKind(),
    };

    /// <summary>A scalar side as an ordinary node that <see cref="JsonNode.DeepEquals"/> understands.</summary>
    private JsonNode? Scalar() => IsElement ? JsonNode.Parse(_element.Utf8.Span) : Node;

    /// <summary>This side as a node for a patch operation's value (unopened parts serialise as received).</summary>
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

    public JsonSide[] Items()
    {
        if (!IsElement)
        {
            return ((JsonArray)Node!).Select(Of).ToArray();
        }

        var items = new JsonSide[_element.GetArrayLength()];
        var index = 0;
        foreach (var item in _element.EnumerateArray())
        {
            items[index++] = Of(item);
        }

        return items;
    }

    public int MemberCount => IsElement ? _element.GetPropertyCount() : ((JsonObject)Node!).Count;

    /// <summary>Whether both sides are the very same bytes of one parse (see <see cref="SparseElement.AreSame"/>).</summary>
    public static bool AreSame(JsonSide left, JsonSide right) =>
        left.IsElement && right.IsElement && SparseElement.AreSame(left._element, right._element);

    /// <summary>Deep equality; identical parses compare in constant time.</summary>
    public static bool DeepEquals(JsonSide left, JsonSide right)
    {
        if (left.IsElement && right.IsElement)
        {
            return SparseElement.DeepEquals(left._element, right._element);
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
                return JsonNode.DeepEquals(left.Scalar(), right.Scalar());
        }
    }
}
