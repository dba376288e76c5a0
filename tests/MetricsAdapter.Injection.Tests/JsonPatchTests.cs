using System.Text.Json.Nodes;
using MetricsAdapter.Injection.Json;
using MetricsAdapter.Injection.Patch;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Injection.Tests;

public sealed class JsonPatchTests
{
    [Theory]
    [InlineData("metrics-adapter.io/status", "metrics-adapter.io~1status")]
    [InlineData("a~b", "a~0b")]
    [InlineData("~1", "~01")]
    [InlineData("/~/", "~1~0~1")]
    [InlineData("plain.key with space%", "plain.key with space%")]
    public void Pointer_EscapesTildeThenSlash_AndRoundTrips(string token, string escaped)
    {
        Assert.Equal(escaped, JsonPointer.Escape(token));
        Assert.Equal(token, JsonPointer.Unescape(escaped));
        Assert.Equal(["a", token], JsonPointer.Parse("/a/" + escaped));
    }

    [Fact]
    public void Diff_MissingParent_IsAddedWhole()
    {
        var original = JsonNode.Parse("""{"metadata":{"name":"p"}}""");
        var desired = JsonNode.Parse("""{"metadata":{"name":"p","annotations":{"a/b":"1","c~d":"2"}}}""");

        var patch = JsonPatch.Serialize(JsonPatch.Diff(original, desired));

        Assert.Equal("""[{"op":"add","path":"/metadata/annotations","value":{"a/b":"1","c~d":"2"}}]""", System.Text.Encoding.UTF8.GetString(patch));
    }

    [Fact]
    public void Diff_KeysNeedingEscapes_AreEscapedInPaths()
    {
        var original = JsonNode.Parse("""{"annotations":{"x":"1"}}""");
        var desired = JsonNode.Parse("""{"annotations":{"x":"1","a/b~c":"2"}}""");

        var operation = Assert.Single(JsonPatch.Diff(original, desired));

        Assert.Equal("/annotations/a~1b~0c", operation.Path);
    }

    [Fact]
    public void Diff_Prepend_IsOneAddAtIndexZero()
    {
        var original = JsonNode.Parse("""{"initContainers":[{"name":"fetch"}]}""");
        var desired = JsonNode.Parse("""{"initContainers":[{"name":"sidecar"},{"name":"fetch"}]}""");

        var operation = Assert.Single(JsonPatch.Diff(original, desired));

        Assert.Equal(("add", "/initContainers/0"), (operation.Op, operation.Path));
    }

    [Fact]
    public void Diff_ElementChangedInPlace_IsPatchedInside()
    {
        var original = JsonNode.Parse("""{"c":[{"name":"a","image":"x:1"},{"name":"b"}]}""");
        var desired = JsonNode.Parse("""{"c":[{"name":"a","image":"x:2"},{"name":"b"}]}""");

        var operation = Assert.Single(JsonPatch.Diff(original, desired));

        Assert.Equal(("replace", "/c/0/image"), (operation.Op, operation.Path));
    }

    [Fact]
    public void Diff_EqualDocuments_IsEmpty()
    {
        var document = JsonNode.Parse("""{"a":[1,{"b":null}],"c":"d"}""");

        Assert.Empty(JsonPatch.Diff(document, document!.DeepClone()));
    }

    /// <summary>Property: for random documents and random edits, applying diff(a, b) to a gives exactly b.</summary>
    [Fact]
    public void Diff_RandomEdits_ApplyBackExactly()
    {
        var random = new Random(6902);
        for (var i = 0; i < 2000; i++)
        {
            var original = RandomDocument(random, depth: 0);
            var desired = Mutate(random, original.DeepClone(), edits: random.Next(1, 6));

            var result = JsonPatchApplier.Apply(original, JsonPatch.Diff(original, desired));

            Assert.True(JsonNode.DeepEquals(desired, result), $"case {i}\n{original.ToJsonString()}\n{desired.ToJsonString()}");
        }
    }

    /// <summary>
    /// Property: editing a <see cref="JsonView"/> of a parsed document (untouched parts stay raw) and diffing it
    /// against the raw original gives a patch that applies back exactly, the same as diffing fully parsed nodes.
    /// </summary>
    /// <remarks>Both ways a document is indexed: all up front, and only the root with the rest on demand.</remarks>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Diff_ViewsWithRawParts_MatchFullyParsedDiff(bool indexAll)
    {
        var random = new Random(1904);
        for (var i = 0; i < 1000; i++)
        {
            var original = RandomObject(random, depth: 0);
            using var document = SparseDocument.Parse(System.Text.Encoding.UTF8.GetBytes(original.ToJsonString()), indexAll ? IndexPaths.All : IndexPaths.ThisLevel);
            var element = document.Root;
            var view = JsonView.OpenObject(element);
            EditView(random, view, depth: 0);
            var desired = JsonNode.Parse(view.ToJsonString());

            var fromView = JsonPatch.Diff(JsonView.Wrap(element), view);

            Assert.True(JsonNode.DeepEquals(desired, JsonPatchApplier.Apply(original, fromView)), $"case {i}: {original.ToJsonString()} -> {desired!.ToJsonString()}");
            Assert.Equal(
                System.Text.Encoding.UTF8.GetString(JsonPatch.Serialize(JsonPatch.Diff(original, desired))),
                System.Text.Encoding.UTF8.GetString(JsonPatch.Serialize(fromView)));
        }
    }

    [Fact]
    public void Diff_UntouchedRawParts_AreNotInThePatch()
    {
        using var document = SparseDocument.Parse("""{"metadata":{"labels":{"a":"1"}},"spec":{"containers":[{"name":"app","ports":[1,2]}],"volumes":[{"name":"v"}]}}"""u8.ToArray(), IndexPaths.ThisLevel);
        var element = document.Root;
        var view = JsonView.OpenObject(element);
        JsonView.EditObject(view, "spec")!["initContainers"] = new JsonArray(new JsonObject { ["name"] = "sidecar" });

        var operation = Assert.Single(JsonPatch.Diff(JsonView.Wrap(element), view));

        Assert.Equal(("add", "/spec/initContainers"), (operation.Op, operation.Path));
    }

    private static void EditView(Random random, JsonObject view, int depth)
    {
        foreach (var key in view.Select(p => p.Key).ToList())
        {
            switch (random.Next(6))
            {
                case 0:
                    view.Remove(key);
                    break;
                case 1:
                    view[key] = RandomDocument(random, depth + 1);
                    break;
                case 2 when depth < 3 && JsonView.EditObject(view, key) is { } child:
                    EditView(random, child, depth + 1);
                    break;
                case 3 when JsonView.EditArray(view, key) is { } array:
                    if (array.Count > 0 && random.Next(2) == 0)
                    {
                        array.RemoveAt(random.Next(array.Count));
                    }
                    else
                    {
                        array.Insert(random.Next(array.Count + 1), RandomDocument(random, depth + 1));
                    }

                    break;
            }
        }

        if (random.Next(3) == 0)
        {
            view["added" + random.Next(10)] = RandomDocument(random, depth + 1);
        }
    }

    /// <summary>The same property with the API server's own library (through kubectl), on a smaller sample.</summary>
    [Fact]
    public async Task Diff_RandomEdits_KubectlAppliesThemExactly()
    {
        var random = new Random(2024);
        for (var i = 0; i < 15; i++)
        {
            var data = RandomDocument(random, depth: 1);
            var original = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = "x" }, ["payload"] = data };
            var desired = original.DeepClone().AsObject();
            desired["payload"] = Mutate(random, data.DeepClone(), edits: 4);
            var patch = System.Text.Encoding.UTF8.GetString(JsonPatch.Serialize(JsonPatch.Diff(original, desired)));

            var applied = JsonNode.Parse(await Kubectl.PatchLocalAsync(original.ToJsonString(), patch));

            Assert.True(JsonNode.DeepEquals(desired, applied), $"{original.ToJsonString()}\n{patch}");
        }
    }

    private static readonly string[] Keys = ["a", "b", "c/d", "e~f", "~1", "name", "x.y", ""];

    private static JsonNode RandomDocument(Random random, int depth)
    {
        var choice = depth > 3 ? random.Next(3) : random.Next(5);
        return choice switch
        {
            0 => JsonValue.Create(random.Next(100))!,
            1 => JsonValue.Create(Keys[random.Next(Keys.Length)])!,
            2 => JsonValue.Create(random.Next(2) == 0)!,
            3 => new JsonArray(Enumerable.Range(0, random.Next(5)).Select(_ => (JsonNode?)RandomDocument(random, depth + 1)).ToArray()),
            _ => RandomObject(random, depth),
        };
    }

    private static JsonObject RandomObject(Random random, int depth)
    {
        var obj = new JsonObject();
        foreach (var key in Keys.OrderBy(_ => random.Next()).Take(random.Next(4)))
        {
            obj[key] = RandomDocument(random, depth + 1);
        }

        return obj;
    }

    private static JsonNode Mutate(Random random, JsonNode node, int edits)
    {
        for (var i = 0; i < edits; i++)
        {
            node = MutateOnce(random, node, depth: 0);
        }

        return node;
    }

    private static JsonNode MutateOnce(Random random, JsonNode node, int depth)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count > 0 && random.Next(3) > 0:
                var key = obj.ElementAt(random.Next(obj.Count)).Key;
                switch (random.Next(4))
                {
                    case 0:
                        obj.Remove(key);
                        break;
                    case 1:
                        obj[key] = RandomDocument(random, depth + 1);
                        break;
                    default:
                        obj[key] = obj[key] is { } child ? MutateOnce(random, child.DeepClone(), depth + 1) : RandomDocument(random, depth + 1);
                        break;
                }

                return obj;
            case JsonObject obj:
                obj[Keys[random.Next(Keys.Length)] + random.Next(3)] = RandomDocument(random, depth + 1);
                return obj;
            case JsonArray array when array.Count > 0 && random.Next(3) > 0:
                var index = random.Next(array.Count);
                switch (random.Next(4))
                {
                    case 0:
                        array.RemoveAt(index);
                        break;
                    case 1:
                        array.Insert(index, RandomDocument(random, depth + 1));
                        break;
                    default:
                        array[index] = array[index] is { } element ? MutateOnce(random, element.DeepClone(), depth + 1) : RandomDocument(random, depth + 1);
                        break;
                }

                return array;
            case JsonArray array:
                array.Add(RandomDocument(random, depth + 1));
                return array;
            default:
                return RandomDocument(random, depth);
        }
    }
}
