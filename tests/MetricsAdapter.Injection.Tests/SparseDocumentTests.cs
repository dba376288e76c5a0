using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetricsAdapter.Injection.Admission;
using MetricsAdapter.Injection.Json;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Injection.Tests;

public sealed class SparseDocumentTests
{
    public static TheoryData<string> Indexing => new("all", "review", "this-level");

    private static IndexPaths Paths(string indexing) => indexing switch
    {
        "all" => IndexPaths.All,
        "review" => AdmissionReviewReader.ReadPaths,
        _ => IndexPaths.ThisLevel,
    };

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{")]
    [InlineData("{} {}")]
    [InlineData("{} x")]
    [InlineData("""{"request":{"userInfo":{"groups":[1,]}}}""")]
    [InlineData("""{"request":{"object":{"metadata":{"managedFields":[{"fieldsV1":{"f:a":}}]}}}}""")]
    [InlineData("""{"request":{"oldObject":{"a":"\x"}}}""")]
    [InlineData("""{"request":{"options":{"a":tru}}}""")]
    [InlineData("""{"a":1,}""")]
    [InlineData("""{"a" 1}""")]
    [InlineData("""["a" "b"]""")]
    public void Parse_InvalidAnywhere_Throws(string json)
    {
        foreach (var indexing in new[] { IndexPaths.All, AdmissionReviewReader.ReadPaths, IndexPaths.ThisLevel })
        {
            Assert.ThrowsAny<JsonException>(() => SparseDocument.Parse(Encoding.UTF8.GetBytes(json), indexing).Dispose());
        }
    }

    [Theory]
    [InlineData(SparseDocument.MaxDepth, true)]
    [InlineData(SparseDocument.MaxDepth + 1, false)]
    public void Parse_DepthInsideAnUnindexedValue_IsLimitedLikeTheReader(int depth, bool accepted)
    {
        // The outer object is depth 1; the skipped member nests the rest.
        var json = "{\"request\":{\"oldObject\":" + new string('[', depth - 2) + new string(']', depth - 2) + "}}";

        var parse = () => SparseDocument.Parse(Encoding.UTF8.GetBytes(json), AdmissionReviewReader.ReadPaths).Dispose();

        if (accepted)
        {
            parse();
        }
        else
        {
            Assert.ThrowsAny<JsonException>(parse);
        }
    }

    /// <summary>Every golden case, read every way it can be indexed, reads exactly as JsonDocument reads it.</summary>
    [Theory]
    [MemberData(nameof(Indexing))]
    public void Parse_EveryCase_ReadsLikeJsonDocument(string indexing)
    {
        var cases = Directory.EnumerateFiles(GoldenFile.Directory("Cases"), "*.json").ToArray();
        Assert.NotEmpty(cases);
        foreach (var file in cases)
        {
            var review = JsonNode.Parse(File.ReadAllText(file))!["review"]!.ToJsonString();
            var bytes = Encoding.UTF8.GetBytes(review);
            using var expected = JsonDocument.Parse(bytes);
            using var actual = SparseDocument.Parse(bytes, Paths(indexing));

            AssertReadsAs(expected.RootElement, actual.Root, Path.GetFileName(file));
        }
    }

    [Theory]
    [MemberData(nameof(Indexing))]
    public void Parse_EscapesNonAsciiAndRepeatedNames_ReadLikeJsonDocument(string indexing)
    {
        const string Json = """
            {"a\/b": "x\u0041\n", "caf\u00e9": "café", "ünï": {"k~1": [1, -2.5e3, true, false, null]},
             "dup": 1, "dup": "last", "a/b2": "\ud83d\ude00", "": ""}
            """;
        var bytes = Encoding.UTF8.GetBytes(Json);
        using var expected = JsonDocument.Parse(bytes);
        using var actual = SparseDocument.Parse(bytes, Paths(indexing));

        AssertReadsAs(expected.RootElement, actual.Root, "escapes");
        Assert.True(actual.Root.TryGetProperty("a/b", out var escapedName));
        Assert.True(escapedName.ValueEquals("xA\n"));
        Assert.True(actual.Root.TryGetProperty("café", out var accented));
        Assert.True(accented.ValueEquals("café"));
        Assert.False(accented.ValueEquals("cafe"));
        Assert.True(actual.Root.TryGetProperty("dup", out var repeated));
        Assert.Equal("last", repeated.GetString());
        Assert.False(actual.Root.TryGetProperty("missing", out _));
    }

    [Fact]
    public void Parse_BodyInSeveralSegments_ReadsLikeOneSegment()
    {
        var bytes = File.ReadAllBytes(Path.Combine(GoldenFile.Directory("Cases"), "..", "..", "..", "samples", "admission-review.json"));
        using var expected = JsonDocument.Parse(bytes);
        using var actual = SparseDocument.Parse(Segmented(bytes, 1000), AdmissionReviewReader.ReadPaths);

        AssertReadsAs(expected.RootElement, actual.Root, "segmented");
    }

    [Fact]
    public void Raw_Values_AreTheBytesReceived()
    {
        var bytes = """{ "a" : [ 1 , {"b":"\u0063"} ] , "n" : 1.50 }"""u8.ToArray();
        using var document = SparseDocument.Parse(bytes, IndexPaths.ThisLevel);

        Assert.True(document.Root.TryGetProperty("a", out var array));
        Assert.Equal("""[ 1 , {"b":"\u0063"} ]""", Encoding.UTF8.GetString(array.Utf8.Span));
        Assert.True(document.Root.TryGetProperty("n", out var number));
        Assert.Equal("1.50", Encoding.UTF8.GetString(number.Utf8.Span));
        Assert.False(number.TryGetInt64(out _));
    }

    [Fact]
    public void Dispose_ThenRead_Throws()
    {
        var document = SparseDocument.Parse("""{"a":{"b":1}}"""u8.ToArray(), IndexPaths.ThisLevel);
        var root = document.Root;
        document.Dispose();

        Assert.Throws<ObjectDisposedException>(() => root.ValueKind);
    }

    [Fact]
    public void AreSame_OnlyForOneValueOfOneDocument()
    {
        var bytes = """{"a":{"x":1},"b":{"x":1}}"""u8.ToArray();
        using var document = SparseDocument.Parse(bytes, IndexPaths.ThisLevel);
        using var other = SparseDocument.Parse(bytes, IndexPaths.ThisLevel);
        document.Root.TryGetProperty("a", out var a);
        document.Root.TryGetProperty("b", out var b);
        other.Root.TryGetProperty("a", out var otherA);

        Assert.False(SparseElement.AreSame(a, b));
        Assert.False(SparseElement.AreSame(a, otherA));
        Assert.True(SparseElement.DeepEquals(a, b));
        Assert.True(SparseElement.DeepEquals(a, otherA));
    }

    [Theory]
    [InlineData("""{"x":1,"y":[1,2]}""", """{ "y" : [1, 2], "x" : 1 }""", true)]
    [InlineData("""{"x":"\u0041"}""", """{"x":"A"}""", true)]
    [InlineData("""{"x":1}""", """{"x":2}""", false)]
    [InlineData("""[1,2]""", """[2,1]""", false)]
    [InlineData("""{"x":1}""", """[1]""", false)]
    public void DeepEquals_ComparesJsonNotBytes(string left, string right, bool equal)
    {
        using var a = SparseDocument.Parse(Encoding.UTF8.GetBytes(left), IndexPaths.ThisLevel);
        using var b = SparseDocument.Parse(Encoding.UTF8.GetBytes(right), IndexPaths.ThisLevel);

        Assert.Equal(equal, SparseElement.DeepEquals(a.Root, b.Root));
    }

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int size)
    {
        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            var segment = new Segment(bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset)), last);
            first ??= segment;
            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private static void AssertReadsAs(JsonElement expected, SparseElement actual, string where)
    {
        Assert.True(expected.ValueKind == actual.ValueKind, $"{where}: {expected.ValueKind} read as {actual.ValueKind}");
        Assert.Equal(JsonMarshalRaw(expected), Encoding.UTF8.GetString(actual.Utf8.Span));
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.Equal(expected.GetPropertyCount(), actual.GetPropertyCount());
                var members = actual.EnumerateObject();
                foreach (var member in expected.EnumerateObject())
                {
                    Assert.True(members.MoveNext(), where);
                    Assert.Equal(member.Name, members.Current.Name);
                    Assert.True(members.Current.NameEquals(member.Name), $"{where}/{member.Name}");
                    AssertReadsAs(member.Value, members.Current.Value, $"{where}/{member.Name}");
                }

                Assert.False(members.MoveNext(), where);
                foreach (var member in expected.EnumerateObject())
                {
                    Assert.True(actual.TryGetProperty(member.Name, out var found), $"{where}/{member.Name}");
                    expected.TryGetProperty(member.Name, out var last);
                    Assert.Equal(JsonMarshalRaw(last), Encoding.UTF8.GetString(found.Utf8.Span));
                }

                break;
            case JsonValueKind.Array:
                Assert.Equal(expected.GetArrayLength(), actual.GetArrayLength());
                var items = actual.EnumerateArray();
                var index = 0;
                foreach (var item in expected.EnumerateArray())
                {
                    Assert.True(items.MoveNext(), where);
                    AssertReadsAs(item, items.Current, $"{where}/{index++}");
                }

                Assert.False(items.MoveNext(), where);
                break;
            case JsonValueKind.String:
                Assert.Equal(expected.GetString(), actual.GetString());
                Assert.True(actual.ValueEquals(expected.GetString()!), where);
                break;
            case JsonValueKind.Number:
                Assert.Equal(expected.TryGetInt64(out var a) ? a : (long?)null, actual.TryGetInt64(out var b) ? b : null);
                break;
        }
    }

    private static string JsonMarshalRaw(JsonElement element) =>
        Encoding.UTF8.GetString(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element));

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }

    [Fact]
    public void MemberNames_AreSharedThroughTheTable_AcrossDocuments_AndNotWithoutIt()
    {
        var names = new MemberNameTable();
        var json = Encoding.UTF8.GetBytes("""{"metadata":1,"spec":2}""");
        using var first = SparseDocument.Parse(json, IndexPaths.ThisLevel, names);
        using var second = SparseDocument.Parse(json, IndexPaths.ThisLevel, names);
        using var alone = SparseDocument.Parse(json, IndexPaths.ThisLevel);

        string Name(SparseDocument document)
        {
            var members = document.Root.EnumerateObject();
            Assert.True(members.MoveNext());
            return members.Current.Name;
        }

        var shared = Name(first);
        Assert.Same(shared, Name(second));
        Assert.Equal(shared, Name(alone));
        Assert.NotSame(shared, Name(alone));
        Assert.Equal(1, names.Count);
    }
}
