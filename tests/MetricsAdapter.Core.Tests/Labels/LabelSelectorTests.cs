using MetricsAdapter.Core.Labels;

namespace MetricsAdapter.Core.Tests.Labels;

public sealed class LabelSelectorTests
{
    public static TheoryData<string, string> ValidSelectors => new()
    {
        { "", "" },
        { "   ", "" },
        { "x=a", "x=a" },
        { "x==a", "x==a" },
        { "x!=a", "x!=a" },
        { "x", "x" },
        { "!x", "!x" },
        { "x>1", "x>1" },
        { "x<10", "x<10" },
        { "x in (b,a)", "x in (a,b)" },
        { "x notin (a)", "x notin (a)" },
        { "x in (a, b ,c)", "x in (a,b,c)" },
        { "x in ()", "x in ()" },
        { "x in (,a)", "x in (,a)" },
        { "x in (a,)", "x in (,a)" },
        { "x=", "x=" },
        { "x=,y=b", "x=,y=b" },
        { " x = a , y = b ", "x=a,y=b" },
        { "z=1,a=2", "a=2,z=1" },
        { "service=frontend,region in (us,eu),tier=web", "region in (eu,us),service=frontend,tier=web" },
        { "example.com/team=core", "example.com/team=core" },
        { "app.kubernetes.io/name in (checkout)", "app.kubernetes.io/name in (checkout)" },
        { "in=notin", "in=notin" },
        { "x in (in,notin)", "x in (in,notin)" },
        { "a=b,a!=c", "a=b,a!=c" },
        { "x=A_b-c.d", "x=A_b-c.d" },
    };

    [Theory]
    [MemberData(nameof(ValidSelectors))]
    public void Parse_ValidSelector_PrintsSortedCanonicalForm(string text, string canonical)
    {
        var selector = LabelSelector.Parse(text);

        Assert.Equal(canonical, selector.ToString());
        Assert.Equal(canonical, LabelSelector.Parse(canonical).ToString());
    }

    [Theory]
    [InlineData("x=a=b", "found '=', expected: ',' or 'end of string'")]
    [InlineData("x in", "found '', expected: '('")]
    [InlineData("x in (a", "found '', expected: ',' or ')'")]
    [InlineData("x in (a b)", "found 'b', expected: ',' or ')'")]
    [InlineData("x in a", "found 'a', expected: '('")]
    [InlineData("x,", "found '', expected: identifier after ','")]
    [InlineData(",x", "found ',', expected: !, identifier, or 'end of string'")]
    [InlineData("=a", "found '=', expected: !, identifier, or 'end of string'")]
    [InlineData("!x=a", "found '=', expected: ',' or 'end of string'")]
    [InlineData("x a", "found 'a', expected: in, notin, =, ==, !=, gt, lt")]
    [InlineData("x>a", "must be an integer")]
    [InlineData("x>", "must be an integer")]
    [InlineData("x<-1", "invalid label value \"-1\"")]
    [InlineData("x=a b", "found 'b', expected: ',' or 'end of string'")]
    [InlineData("x=a&b", "invalid label value \"a&b\"")]
    [InlineData("x=-a", "invalid label value \"-a\"")]
    [InlineData("-x=a", "invalid label key \"-x\"")]
    [InlineData("a/b/c=d", "invalid label key \"a/b/c\"")]
    [InlineData("Example.com/x=a", "invalid label key \"Example.com/x\"")]
    [InlineData("x=\u00e9", "invalid label value")]
    [InlineData("x=\ufffd", "invalid label value")]
    public void TryParse_InvalidSelector_SaysWhy(string text, string reason)
    {
        Assert.False(LabelSelector.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.StartsWith("unable to parse label selector", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_TooLong_IsRejectedBeforeParsing()
    {
        var text = "x in (" + string.Join(',', Enumerable.Range(0, 2000).Select(i => $"v{i}")) + ")";

        Assert.False(LabelSelector.TryParse(text, out _, out var error));
        Assert.Contains("at most 8192", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_LongValue_IsRejectedByLabelRules()
    {
        Assert.False(LabelSelector.TryParse("x=" + new string('a', 64), out _, out var error));
        Assert.Contains("no more than 63", error, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, bool> MatchCases => new()
    {
        { "", "", true },
        { "", "a=1", true },
        { "a=1", "a=1", true },
        { "a=1", "a=2", false },
        { "a=1", "", false },
        { "a==1", "a=1", true },
        { "a!=1", "a=2", true },
        { "a!=1", "a=1", false },
        { "a!=1", "", true },
        { "a in (1,2)", "a=2", true },
        { "a in (1,2)", "a=3", false },
        { "a in (1,2)", "", false },
        { "a notin (1,2)", "a=3", true },
        { "a notin (1,2)", "a=1", false },
        { "a notin (1,2)", "", true },
        { "a", "a=", true },
        { "a", "b=1", false },
        { "!a", "b=1", true },
        { "!a", "a=1", false },
        { "a=", "a=", true },
        { "a=", "", false },
        { "a in ()", "a=", true },
        { "a>5", "a=6", true },
        { "a>5", "a=5", false },
        { "a>5", "a=x", false },
        { "a>5", "", false },
        { "a<5", "a=3", true },
        { "a<5", "a=5", false },
        { "a=1,b=2", "a=1,b=2,c=3", true },
        { "a=1,b=2", "a=1", false },
        { "region in (eu,us),service=frontend,tier=web", "region=eu,service=frontend,tier=web", true },
        { "region in (eu,us),service=frontend,tier=web", "region=ap,service=frontend,tier=web", false },
        { "A=1", "a=1", false },
        { "a=X", "a=x", false },
    };

    [Theory]
    [MemberData(nameof(MatchCases))]
    public void Matches_FollowsApimachinerySemantics(string selector, string labels, bool expected)
    {
        var set = LabelSet.Create(labels.Length == 0
            ? Array.Empty<KeyValuePair<string, string>>()
            : labels.Split(',').Select(pair => pair.Split('=')).Select(kv => new KeyValuePair<string, string>(kv[0], kv[1])));

        Assert.Equal(expected, LabelSelector.Parse(selector).Matches(set));
    }

    /// <summary>Property: printing and re-parsing any selector we can generate changes nothing.</summary>
    [Fact]
    public void RoundTrip_RandomSelectors_AreStable()
    {
        var random = new Random(42);
        string[] keys = ["a", "b", "app.kubernetes.io/name", "x-y", "Z_1"];
        string[] values = ["", "v", "1", "us", "eu", "A.b_c-d"];
        for (var i = 0; i < 5_000; i++)
        {
            var parts = new List<string>();
            for (var j = random.Next(1, 5); j > 0; j--)
            {
                var key = keys[random.Next(keys.Length)];
                var value = values[random.Next(values.Length)];
                parts.Add(random.Next(8) switch
                {
                    0 => $"{key}={value}",
                    1 => $"{key}=={value}",
                    2 => $"{key}!={value}",
                    3 => $"{key} in ({value},{values[random.Next(values.Length)]})",
                    4 => $"{key} notin ({value})",
                    5 => key,
                    6 => "!" + key,
                    _ => $"{key}>{random.Next(0, 99)}",
                });
            }

            var text = string.Join(random.Next(2) == 0 ? "," : " , ", parts);
            var parsed = LabelSelector.Parse(text);
            var reparsed = LabelSelector.Parse(parsed.ToString());

            Assert.Equal(parsed.ToString(), reparsed.ToString());
            Assert.Equal(parsed.Requirements.Count, reparsed.Requirements.Count);
        }
    }
}
