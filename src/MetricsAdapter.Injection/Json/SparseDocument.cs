using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace MetricsAdapter.Injection.Json;

/// <summary>
/// A JSON document validated whole in one pass, in which only the paths named by an <see cref="IndexPaths"/> are
/// indexed (their members or items recorded as they are read). Every other object or array is kept as its exact
/// bytes and indexed the first time somebody asks for its members; scalars are read from their bytes on demand.
/// </summary>
/// <remarks>
/// Why: an AdmissionReview is about 5 KB and the webhook reads a few dozen of its values. A
/// <see cref="JsonDocument"/> indexes every token (<c>managedFields</c> alone is a third of them), which cost twice
/// a bare validating pass over the body and was half of a review's time. The pass here validates exactly as much
/// (same reader, same depth limit, nothing after the value) and records only what will be read.
/// Not thread-safe: a document belongs to one review (indexing on demand writes to it) — except one parsed with
/// <see cref="IndexPaths.All"/>, which is indexed completely up front and then only read.
/// Dispose it to return its pooled rows, and its copy of a body that arrived in several segments.
/// </remarks>
public sealed class SparseDocument : IDisposable
{
    /// <summary>Deeper nesting is refused: twice System.Text.Json's default, far more than any Kubernetes object needs.</summary>
    public const int MaxDepth = 128;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    private readonly ReadOnlyMemory<byte> _utf8;
    private byte[]? _copiedBody;
    private Row[] _rows;
    private int _count;

    private SparseDocument(ReadOnlyMemory<byte> utf8, byte[]? copiedBody)
    {
        _utf8 = utf8;
        _copiedBody = copiedBody;
        // A review indexed along the webhook's paths takes about a hundred rows.
        _rows = ArrayPool<Row>.Shared.Rent(128);
    }

    /// <summary>The document's value.</summary>
    public SparseElement Root => new(this, 0);

    /// <summary>Shared member names, when the parser was given them.</summary>
    internal MemberNameTable? Names { get; private init; }

    /// <summary>
    /// Validates <paramref name="utf8"/> as one JSON value and indexes what <paramref name="index"/> names. The
    /// document reads from <paramref name="utf8"/> when it is one segment: keep it unchanged while the document is used.
    /// </summary>
    /// <exception cref="JsonException">It is not one valid JSON value (or nests deeper than <see cref="MaxDepth"/>).</exception>
    /// <param name="utf8">The JSON text.</param>
    /// <param name="index">What to index.</param>
    /// <param name="names">Where member names are shared across documents; without it each name read allocates.</param>
    public static SparseDocument Parse(ReadOnlySequence<byte> utf8, IndexPaths index, MemberNameTable? names = null)
    {
        if (utf8.IsSingleSegment)
        {
            return Parse(utf8.First, index, names);
        }

        var copy = ArrayPool<byte>.Shared.Rent(checked((int)utf8.Length));
        utf8.CopyTo(copy);
        return Parse(copy.AsMemory(0, (int)utf8.Length), index, names, copy);
    }

    /// <inheritdoc cref="Parse(ReadOnlySequence{byte}, IndexPaths, MemberNameTable?)"/>
    public static SparseDocument Parse(ReadOnlyMemory<byte> utf8, IndexPaths index, MemberNameTable? names = null) => Parse(utf8, index, names, null);

    private static SparseDocument Parse(ReadOnlyMemory<byte> utf8, IndexPaths index, MemberNameTable? names, byte[]? copiedBody)
    {
        ArgumentNullException.ThrowIfNull(index);
        var document = new SparseDocument(utf8, copiedBody) { Names = names };
        try
        {
            var reader = new Utf8JsonReader(utf8.Span, ReaderOptions);
            if (!reader.Read())
            {
                throw new JsonException("the document is empty");
            }

            var root = document.NewRow(nameStart: -1, nameLength: 0, nameEscaped: false);
            document.ReadValue(ref reader, root, index, offset: 0);

            // Anything after the value, other than whitespace, makes the reader throw here.
            if (reader.Read())
            {
                throw new JsonException("the document holds more than one JSON value");
            }

            return document;
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_rows.Length > 0)
        {
            ArrayPool<Row>.Shared.Return(_rows);
            _rows = [];
        }

        if (_copiedBody is not null)
        {
            ArrayPool<byte>.Shared.Return(_copiedBody);
            _copiedBody = null;
        }
    }

    internal JsonValueKind KindOf(int row) => Rows[row].Kind;

    internal ReadOnlyMemory<byte> Utf8Of(int row) => _utf8.Slice(Rows[row].Start, Rows[row].Length);

    internal ReadOnlySpan<byte> NameOf(int row, out bool escaped)
    {
        ref readonly var entry = ref Rows[row];
        escaped = entry.NameEscaped;
        return entry.NameStart < 0 ? default : _utf8.Span.Slice(entry.NameStart, entry.NameLength);
    }

    internal bool IsEscaped(int row) => Rows[row].ValueEscaped;

    /// <summary>The first member or item of an object or array, or -1.</summary>
    internal int FirstChildOf(int row) => IndexedRow(row).FirstChild;

    internal int NextSiblingOf(int row) => Rows[row].NextSibling;

    /// <summary>The last member or item of an object or array, or -1.</summary>
    internal int LastChildOf(int row) => IndexedRow(row).LastChild;

    internal int PreviousSiblingOf(int row) => Rows[row].PreviousSibling;

    internal int ChildCountOf(int row) => IndexedRow(row).ChildCount;

    /// <summary>An object's or array's row with its members or items recorded, indexing them now if nobody has.</summary>
    private ref readonly Row IndexedRow(int row)
    {
        if (!Rows[row].Indexed)
        {
            IndexOnDemand(row);
        }

        return ref _rows[row];
    }

    private Row[] Rows => _rows.Length > 0 ? _rows : throw new ObjectDisposedException(nameof(SparseDocument));

    private void IndexOnDemand(int row)
    {
        var start = Rows[row].Start;
        var reader = new Utf8JsonReader(_utf8.Span.Slice(start, Rows[row].Length), ReaderOptions);
        reader.Read();
        IndexContainer(ref reader, row, IndexPaths.ThisLevel, start);
    }

    private int NewRow(int nameStart, int nameLength, bool nameEscaped)
    {
        if (_count == _rows.Length)
        {
            var larger = ArrayPool<Row>.Shared.Rent(_rows.Length * 2);
            _rows.AsSpan(0, _count).CopyTo(larger);
            ArrayPool<Row>.Shared.Return(_rows);
            _rows = larger;
        }

        _rows[_count] = new Row
        {
            NameStart = nameStart, NameLength = nameLength, NameEscaped = nameEscaped, FirstChild = -1, LastChild = -1, NextSibling = -1, PreviousSibling = -1,
        };
        return _count++;
    }

    /// <summary>Records the value the reader stands on in <paramref name="row"/>; leaves the reader on its last token.</summary>
    private void ReadValue(ref Utf8JsonReader reader, int row, IndexPaths? index, int offset)
    {
        var start = offset + (int)reader.TokenStartIndex;
        _rows[row].Start = start;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject or JsonTokenType.StartArray when index is not null:
                IndexContainer(ref reader, row, index, offset);
                break;
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                _rows[row].Kind = reader.TokenType == JsonTokenType.StartObject ? JsonValueKind.Object : JsonValueKind.Array;

                // Validated all the same: a reader over a complete buffer reads every token it skips.
                reader.Skip();
                _rows[row].Length = offset + (int)reader.TokenStartIndex + 1 - start;
                break;
            case JsonTokenType.String:
                _rows[row].Kind = JsonValueKind.String;
                _rows[row].ValueEscaped = reader.ValueIsEscaped;
                _rows[row].Length = reader.ValueSpan.Length + 2;
                break;
            default:
                _rows[row].Kind = reader.TokenType switch
                {
                    JsonTokenType.Number => JsonValueKind.Number,
                    JsonTokenType.True => JsonValueKind.True,
                    JsonTokenType.False => JsonValueKind.False,
                    _ => JsonValueKind.Null,
                };
                _rows[row].Length = reader.ValueSpan.Length;
                break;
        }
    }

    /// <summary>Records the members or items of the object or array the reader stands on, in order.</summary>
    private void IndexContainer(ref Utf8JsonReader reader, int row, IndexPaths index, int offset)
    {
        var isObject = reader.TokenType == JsonTokenType.StartObject;
        var start = offset + (int)reader.TokenStartIndex;
        var end = isObject ? JsonTokenType.EndObject : JsonTokenType.EndArray;
        var previous = -1;
        var count = 0;
        while (reader.Read() && reader.TokenType != end)
        {
            int child;
            IndexPaths? childIndex;
            if (isObject)
            {
                var escaped = reader.ValueIsEscaped;
                childIndex = index.Member(reader.ValueSpan, escaped);
                child = NewRow(offset + (int)reader.TokenStartIndex + 1, reader.ValueSpan.Length, escaped);
                reader.Read();
            }
            else
            {
                childIndex = index.Items;
                child = NewRow(-1, 0, nameEscaped: false);
            }

            ReadValue(ref reader, child, childIndex, offset);
            if (previous < 0)
            {
                _rows[row].FirstChild = child;
            }
            else
            {
                _rows[previous].NextSibling = child;
                _rows[child].PreviousSibling = previous;
            }

            previous = child;
            count++;
        }

        ref var entry = ref _rows[row];
        entry.Kind = isObject ? JsonValueKind.Object : JsonValueKind.Array;
        entry.Start = start;
        entry.Length = offset + (int)reader.TokenStartIndex + 1 - start;
        entry.LastChild = previous;
        entry.ChildCount = count;
        entry.Indexed = true;
    }

    /// <summary>One value: where its bytes are, its name when it is a member, and its members or items once indexed.</summary>
    private struct Row
    {
        public int Start;
        public int Length;
        public int NameStart;
        public int NameLength;
        public int FirstChild;
        public int LastChild;
        public int NextSibling;
        public int PreviousSibling;
        public int ChildCount;
        public JsonValueKind Kind;
        public bool NameEscaped;
        public bool ValueEscaped;
        public bool Indexed;
    }
}

/// <summary>
/// Which members a <see cref="SparseDocument"/> indexes while it validates: a tree of member names, <c>*</c> for
/// every item of an array. The root is always indexed; a path names the objects and arrays whose members or items
/// are recorded too.
/// </summary>
public sealed class IndexPaths
{
    private readonly List<(byte[] Name, IndexPaths Next)> _members = [];
    private readonly bool _all;

    private IndexPaths(bool all) => _all = all;

    /// <summary>Everything, up front: for small documents that are shared and only read (no indexing later).</summary>
    public static IndexPaths All { get; } = new(all: true);

    /// <summary>The root's members or items only.</summary>
    public static IndexPaths ThisLevel { get; } = new(all: false);

    internal IndexPaths? Items => _all ? this : Find("*"u8);

    /// <summary>Paths such as <c>request/object/spec/containers/*/ports</c>; every prefix of one is indexed too.</summary>
    public static IndexPaths Of(params string[] paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var root = new IndexPaths(all: false);
        foreach (var path in paths)
        {
            var node = root;
            foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                var name = Encoding.UTF8.GetBytes(segment);
                var next = node.Find(name);
                if (next is null)
                {
                    next = new IndexPaths(all: false);
                    node._members.Add((name, next));
                }

                node = next;
            }
        }

        return root;
    }

    /// <summary>What to index inside member <paramref name="utf8Name"/>, or null to keep it as bytes.</summary>
    internal IndexPaths? Member(ReadOnlySpan<byte> utf8Name, bool escaped) =>
        _all ? this : escaped ? null : Find(utf8Name);

    private IndexPaths? Find(ReadOnlySpan<byte> utf8Name)
    {
        foreach (var (name, next) in _members)
        {
            if (utf8Name.SequenceEqual(name))
            {
                return next;
            }
        }

        return null;
    }
}

/// <summary>A value of a <see cref="SparseDocument"/>; like <see cref="JsonElement"/>, valid while its document is.</summary>
public readonly struct SparseElement : IEquatable<SparseElement>
{
    private readonly SparseDocument? _document;
    private readonly int _row;

    internal SparseElement(SparseDocument document, int row)
    {
        _document = document;
        _row = row;
    }

    public JsonValueKind ValueKind => _document?.KindOf(_row) ?? JsonValueKind.Undefined;

    /// <summary>The value's exact bytes as received.</summary>
    public ReadOnlyMemory<byte> Utf8 => Document.Utf8Of(_row);

    private SparseDocument Document => _document ?? throw new InvalidOperationException("a default SparseElement has no value");

    /// <summary>The value of member <paramref name="name"/> (the last one, if the name repeats, as JSON parsers do).</summary>
    public bool TryGetProperty(string name, out SparseElement value)
    {
        if (ValueKind != JsonValueKind.Object)
        {
            throw NotA("an object");
        }

        // From the end, so the first match is the last one in the document.
        var document = Document;
        for (var row = document.LastChildOf(_row); row >= 0; row = document.PreviousSiblingOf(row))
        {
            var member = new Member(document, row);
            if (member.NameEquals(name))
            {
                value = member.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    public ObjectEnumerator EnumerateObject() =>
        ValueKind == JsonValueKind.Object ? new ObjectEnumerator(Document, _row) : throw NotA("an object");

    public ArrayEnumerator EnumerateArray() =>
        ValueKind == JsonValueKind.Array ? new ArrayEnumerator(Document, _row) : throw NotA("an array");

    public int GetPropertyCount() =>
        ValueKind == JsonValueKind.Object ? Document.ChildCountOf(_row) : throw NotA("an object");

    public int GetArrayLength() =>
        ValueKind == JsonValueKind.Array ? Document.ChildCountOf(_row) : throw NotA("an array");

    /// <summary>The string, unescaped; null for JSON null.</summary>
    public string? GetString()
    {
        switch (ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                var quoted = Utf8.Span;
                return Document.IsEscaped(_row) ? Unescape(quoted) : Encoding.UTF8.GetString(quoted[1..^1]);
            default:
                throw NotA("a string");
        }
    }

    /// <summary>Whether this is the string <paramref name="text"/> (compared without allocating when unescaped).</summary>
    public bool ValueEquals(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (ValueKind != JsonValueKind.String)
        {
            return false;
        }

        var quoted = Utf8.Span;
        return Document.IsEscaped(_row) ? Unescape(quoted) == text : Utf8Equals(quoted[1..^1], text);
    }

    /// <summary>The number as a 64-bit integer, when it is one written without fraction or exponent.</summary>
    public bool TryGetInt64(out long value)
    {
        if (ValueKind != JsonValueKind.Number)
        {
            throw NotA("a number");
        }

        var text = Utf8.Span;
        return Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length;
    }

    /// <summary>Whether both are the very same bytes of one document: equal without looking inside.</summary>
    public static bool AreSame(SparseElement left, SparseElement right) =>
        left._document is not null && ReferenceEquals(left._document, right._document) && left._row == right._row;

    /// <summary>JSON equality: same kind, and same bytes or (when the bytes differ) equal structure.</summary>
    public static bool DeepEquals(SparseElement left, SparseElement right)
    {
        if (AreSame(left, right))
        {
            return true;
        }

        if (left.ValueKind != right.ValueKind)
        {
            return false;
        }

        var a = left.Utf8.Span;
        var b = right.Utf8.Span;
        if (a.SequenceEqual(b))
        {
            return true;
        }

        // Different bytes may still be equal JSON (member order, escapes, number spelling): rare, so parse.
        using var first = JsonDocument.Parse(left.Utf8);
        using var second = JsonDocument.Parse(right.Utf8);
        return JsonElement.DeepEquals(first.RootElement, second.RootElement);
    }

    public bool Equals(SparseElement other) => AreSame(this, other);

    public override bool Equals(object? obj) => obj is SparseElement other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_document, _row);

    public static bool operator ==(SparseElement left, SparseElement right) => left.Equals(right);

    public static bool operator !=(SparseElement left, SparseElement right) => !left.Equals(right);

    public override string ToString() => _document is null ? string.Empty : Encoding.UTF8.GetString(Utf8.Span);

    private InvalidOperationException NotA(string kind) => new($"the value is {ValueKind}, not {kind}");

    /// <summary>Whether unescaped UTF-8 <paramref name="utf8"/> spells <paramref name="text"/>.</summary>
    private static bool Utf8Equals(ReadOnlySpan<byte> utf8, string text)
    {
        // A UTF-16 char takes one to three UTF-8 bytes, and exactly one when it is ASCII: same length means ASCII or
        // bust, compared byte for char until a non-ASCII byte says otherwise.
        if (utf8.Length == text.Length)
        {
            for (var i = 0; i < utf8.Length; i++)
            {
                if (utf8[i] >= 0x80)
                {
                    return Encoding.UTF8.GetString(utf8) == text;
                }

                if (utf8[i] != text[i])
                {
                    return false;
                }
            }

            return true;
        }

        return utf8.Length > text.Length && utf8.Length <= 3 * text.Length && !Ascii.IsValid(text) && Encoding.UTF8.GetString(utf8) == text;
    }

    internal static string Unescape(ReadOnlySpan<byte> quoted)
    {
        var reader = new Utf8JsonReader(quoted);
        reader.Read();
        return reader.GetString()!;
    }

    /// <summary>A member: its name and value.</summary>
    public readonly struct Member
    {
        private readonly SparseDocument _document;
        private readonly int _row;

        internal Member(SparseDocument document, int row)
        {
            _document = document;
            _row = row;
        }

        public SparseElement Value => new(_document, _row);

        /// <summary>The name, unescaped (allocates: prefer <see cref="NameEquals"/> to compare).</summary>
        public string Name
        {
            get
            {
                var name = _document.NameOf(_row, out var escaped);
                return escaped ? UnescapeName(name) : _document.Names is { } names ? names.Get(name) : Encoding.UTF8.GetString(name);
            }
        }

        public bool NameEquals(string text)
        {
            ArgumentNullException.ThrowIfNull(text);
            var name = _document.NameOf(_row, out var escaped);
            return escaped ? UnescapeName(name) == text : Utf8Equals(name, text);
        }

        private static string UnescapeName(ReadOnlySpan<byte> name)
        {
            Span<byte> quoted = name.Length <= 254 ? stackalloc byte[name.Length + 2] : new byte[name.Length + 2];
            quoted[0] = (byte)'"';
            name.CopyTo(quoted[1..]);
            quoted[^1] = (byte)'"';
            return Unescape(quoted);
        }
    }

    /// <summary>The members of an object, in document order (no allocation).</summary>
    public struct ObjectEnumerator
    {
        private ChildCursor _cursor;

        internal ObjectEnumerator(SparseDocument document, int row) => _cursor = new ChildCursor(document, row);

        public readonly Member Current => new(_cursor.Document, _cursor.Current);

        public readonly ObjectEnumerator GetEnumerator() => this;

        public bool MoveNext() => _cursor.MoveNext();
    }

    /// <summary>The items of an array, in order (no allocation).</summary>
    public struct ArrayEnumerator
    {
        private ChildCursor _cursor;

        internal ArrayEnumerator(SparseDocument document, int row) => _cursor = new ChildCursor(document, row);

        public readonly SparseElement Current => new(_cursor.Document, _cursor.Current);

        public readonly ArrayEnumerator GetEnumerator() => this;

        public bool MoveNext() => _cursor.MoveNext();
    }

    /// <summary>Walks the members or items of one object or array, first to last.</summary>
    private struct ChildCursor(SparseDocument document, int row)
    {
        private int _next = document.FirstChildOf(row);

        public readonly SparseDocument Document => document;

        public int Current { get; private set; } = -1;

        public bool MoveNext()
        {
            if (_next < 0)
            {
                return false;
            }

            Current = _next;
            _next = document.NextSiblingOf(Current);
            return true;
        }
    }
}

/// <summary>
/// Member names as strings, shared: a pod's member names are the same few dozen words in every review, so opening its
/// objects need not allocate them again each time. One per host (a registered singleton). Bounded; names past the
/// bound, long or non-ASCII are allocated.
/// </summary>
public sealed class MemberNameTable
{
    private const int MaxNames = 2048;
    private const int MaxLength = 64;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _byChars;
    private int _added;

    public MemberNameTable() => _byChars = _names.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Names held.</summary>
    public int Count => Volatile.Read(ref _added);

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxLength || !Ascii.IsValid(utf8))
        {
            return Encoding.UTF8.GetString(utf8);
        }

        Span<char> chars = stackalloc char[utf8.Length];
        Ascii.ToUtf16(utf8, chars, out _);
        if (_byChars.TryGetValue(chars, out var name))
        {
            return name;
        }

        name = new string(chars);

        // Counted here: ConcurrentDictionary.Count takes every lock.
        if (Volatile.Read(ref _added) < MaxNames && _names.TryAdd(name, name))
        {
            Interlocked.Increment(ref _added);
        }

        return name;
    }
}
