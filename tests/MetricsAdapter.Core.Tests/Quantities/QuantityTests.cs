using System.Globalization;
using System.Text.Json;
using MetricsAdapter.Core.Quantities;

namespace MetricsAdapter.Core.Tests.Quantities;

public sealed class QuantityTests
{
    private static readonly JsonSerializerOptions JsonOptions = new() { Converters = { new QuantityJsonConverter() } };

    /// <summary>The worked examples of docs/kubernetes-contracts.md §2.4, plus apimachinery's own test cases.</summary>
    public static TheoryData<string, string> CanonicalForms => new()
    {
        // §2.4 worked examples
        { "1.5", "1500m" },
        { "0.5", "500m" },
        { "1000m", "1" },
        { "2000", "2k" },
        { "1500", "1500" },
        { "1234567", "1234567" },
        { "0.0001", "100u" },
        { "12e6", "12e6" },
        { "1.5e3", "1500" },
        { "1.5Gi", "1536Mi" },
        { "1024Ki", "1Mi" },
        // zero in every spelling
        { "0", "0" },
        { "-0", "0" },
        { "0.0", "0" },
        { "0m", "0" },
        { "0Ki", "0" },
        { "0e3", "0" },
        { "000", "0" },
        // signs and odd-but-legal numbers
        { "+1", "1" },
        { "-1", "-1" },
        { "-1500m", "-1500m" },
        { "1.", "1" },
        { ".5", "500m" },
        { "01", "1" },
        { "007m", "7m" },
        // decimal SI suffixes
        { "1n", "1n" },
        { "1u", "1u" },
        { "1m", "1m" },
        { "1k", "1k" },
        { "1M", "1M" },
        { "1G", "1G" },
        { "1T", "1T" },
        { "1P", "1P" },
        { "1E", "1E" },
        { "10k", "10k" },
        { "100k", "100k" },
        { "1000k", "1M" },
        { "1.5k", "1500" },
        { "0.1m", "100u" },
        { "1500u", "1500u" },
        // rounding up below 1n, away from zero
        { "0.1n", "1n" },
        { "1.1n", "2n" },
        { "-0.1n", "-1n" },
        { "0.0000000001", "1n" },
        { "1e-20", "1e-9" },
        // binary SI
        { "1Ki", "1Ki" },
        { "1024", "1024" },
        { "1Mi", "1Mi" },
        { "1.5Ki", "1536" },
        { "0.5Ki", "512" },
        { "1023Ki", "1023Ki" },
        { "2048Mi", "2Gi" },
        { "1.5Mi", "1536Ki" },
        { "1Ei", "1Ei" },
        { "8Ei", "9223372036854775807" },
        { "-1Ki", "-1Ki" },
        // decimal exponent
        { "1e3", "1e3" },
        { "1E3", "1e3" },
        { "1e6", "1e6" },
        { "1e-3", "1e-3" },
        { "1e0", "1" },
        { "10e3", "10e3" },
        { "100e3", "100e3" },
        { "1000e3", "1e6" },
        { "1.5e-3", "1500e-6" },
        { "1e+3", "1e3" },
        // apimachinery's own test tables (quantity_test.go: TestQuantityParseEmit, TestQuantityString, TestParseQuantity)
        { ".001Ki", "1024m" },
        { ".000001Ki", "1024u" },
        { ".000000001Ki", "1024n" },
        { ".000000000001Ki", "2n" },
        { "-.001Ki", "-1024m" },
        { "307200Ki", "300Mi" },
        { "1025024Mi", "1001Gi" },
        { "5000m", "5" },
        { "0.001T", "1G" },
        { "1000u", "1m" },
        { "1.08", "1080m" },
        { "1080000000n", "1080m" },
        { ".001e12", "1e9" },
        { "0.001e0", "1e-3" },
        { "1000e-12", "1e-9" },
        { "1000E", "1e21" },
        { "5000E", "5e21" },
        { "1000000E", "1e24" },
        { "999999999999999999.1", "999999999999999999100m" },
        { "1000000000000000000", "1E" },
        { "1.0E", "1E" },
        { "-1.0E", "-1E" },
        { "10000000000000000000", "10E" },
        { "10000000000000000000000m", "10E" },
        { "9223372036854775807000m", "9223372036854775807" },
        { "9223372036854775808.1", "9223372036854775808100m" },
        { "1.0000000000000000001E", "1000000000000000000100m" },
        { "100.035Ki", "102435840m" },
        { "0.5Mi", "512Ki" },
        { "9Ei", "9223372036854775807" },
        { "9223372036854775807Ki", "9223372036854775807" },
        { "3.001n", "4n" },
        { "0.9n", "1n" },
        { "0.00000012345", "124n" },
        { "1.2e3", "1200" },
        { "1.7E18", "1700e15" },
        { "0.5e-1", "50e-3" },
        { "1.3E+6", "1300e3" },
        { "2.5P", "2500T" },
        { "40.1T", "40100G" },
        { "0.0005k", "500m" },
        { "1E100", "10e99" },
        { "12E", "12E" },
        { "10.035M", "10035k" },
    };

    [Theory]
    [MemberData(nameof(CanonicalForms))]
    public void Parse_Text_PrintsCanonicalForm(string input, string expected)
    {
        var quantity = Quantity.Parse(input);

        Assert.Equal(expected, quantity.ToString());
    }

    [Theory]
    [MemberData(nameof(CanonicalForms))]
    public void Parse_CanonicalText_EchoesItByteForByte(string input, string canonical)
    {
        _ = input;
        Assert.Equal(canonical, Quantity.Parse(canonical).ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("1 ")]
    [InlineData("abc")]
    [InlineData("1.2.3")]
    [InlineData("--1")]
    [InlineData("1\n")]
    [InlineData("٣")]
    public void TryParse_WrongShape_FailsWithApimachineryMessage(string input)
    {
        Assert.False(Quantity.TryParse(input, out _, out var error));
        Assert.StartsWith("quantities must match the regular expression", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1K")]
    [InlineData("1ki")]
    [InlineData("1KB")]
    [InlineData("1e")]
    [InlineData("1mi")]
    [InlineData("1Mm")]
    [InlineData("1e3.5")]
    [InlineData("1m1")]
    public void TryParse_UnknownSuffix_Fails(string input)
    {
        Assert.False(Quantity.TryParse(input, out _, out var error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("1500m", 1500)]
    [InlineData("1500u", 2)]
    [InlineData("1", 1000)]
    [InlineData("0", 0)]
    [InlineData("1n", 1)]
    [InlineData("-1500u", -1)]
    [InlineData("1Ki", 1024000)]
    [InlineData("1e30", long.MaxValue)]
    [InlineData("-1e30", long.MinValue)]
    public void MilliValue_IsCeilingOfThousandths(string input, long expected)
    {
        Assert.Equal(expected, Quantity.Parse(input).MilliValue());
    }

    [Theory]
    [InlineData(1.5, "1500m")]
    [InlineData(2.0, "2")]
    [InlineData(0.1, "100m")]
    [InlineData(0.0, "0")]
    [InlineData(-0.25, "-250m")]
    [InlineData(123456.789, "123456789m")]
    [InlineData(0.0004, "0")]
    [InlineData(0.0005, "1m")]
    public void FromDouble_RoundsToMilli(double value, string expected)
    {
        Assert.Equal(expected, Quantity.FromDouble(value).ToString());
    }

    [Fact]
    public void FromDouble_CeilingRounding_NeverUnderstates()
    {
        Assert.Equal("1m", Quantity.FromDouble(0.0001, MidpointRounding.ToPositiveInfinity).ToString());
        Assert.Equal("100m", Quantity.FromDouble(0.1, MidpointRounding.ToPositiveInfinity).ToString());
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(1e30)]
    public void FromDouble_NotRepresentable_Throws(double value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Quantity.FromDouble(value));
    }

    [Fact]
    public void Equality_ComparesValuesNotFormats()
    {
        Assert.Equal(Quantity.Parse("1Ki"), Quantity.Parse("1024"));
        Assert.Equal(Quantity.Parse("1e3"), Quantity.Parse("1k"));
        Assert.Equal(Quantity.Parse("1Ki").GetHashCode(), Quantity.Parse("1024").GetHashCode());
        Assert.True(Quantity.Parse("1500m") < Quantity.Parse("2"));
        Assert.True(Quantity.Parse("-1") < Quantity.Parse("1n"));
        Assert.True(Quantity.Parse("1E") > Quantity.Parse("999P"));
    }

    [Theory]
    [InlineData("1e2000000")]
    [InlineData("1e-2000000")]
    [InlineData("123456789012345678901234567890e-20")]
    public void Parse_ExtremeExponents_AreCheap(string input)
    {
        var quantity = Quantity.Parse(input);

        Assert.Equal(quantity.ToString(), Quantity.Parse(quantity.ToString()).ToString());
    }

    /// <summary>Property: for any value, parsing its canonical text yields the same value and the same text.</summary>
    [Fact]
    public void RoundTrip_RandomQuantities_AreStable()
    {
        var random = new Random(20261122);
        string[] suffixes = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "e3", "e-7", "E12"];
        for (var i = 0; i < 20_000; i++)
        {
            var integer = random.Next(0, 4) == 0 ? "" : random.NextInt64(0, 10_000_000).ToString(CultureInfo.InvariantCulture);
            var fraction = random.Next(0, 2) == 0 ? "" : "." + random.Next(0, 1_000_000).ToString(CultureInfo.InvariantCulture);
            if (integer.Length == 0 && fraction.Length == 0)
            {
                integer = "0";
            }

            var sign = random.Next(0, 5) switch { 0 => "-", 1 => "+", _ => "" };
            var text = sign + integer + fraction + suffixes[random.Next(suffixes.Length)];

            var first = Quantity.Parse(text);
            var second = Quantity.Parse(first.ToString());

            Assert.True(first == second, $"{text} → {first} → {second}");
            Assert.Equal(first.ToString(), second.ToString());
        }
    }

    /// <summary>Property: a milli quantity prints and reads back to the same thousandths.</summary>
    [Fact]
    public void RoundTrip_RandomMilliValues_KeepTheirMilliValue()
    {
        var random = new Random(7);
        for (var i = 0; i < 20_000; i++)
        {
            var milli = random.NextInt64(-1_000_000_000_000, 1_000_000_000_000);
            var quantity = Quantity.FromMilli(milli);

            Assert.Equal(milli, Quantity.Parse(quantity.ToString()).MilliValue());
            Assert.DoesNotContain(".", quantity.ToString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("\"1500m\"", "1500m")]
    [InlineData("1.5", "1500m")]
    [InlineData("\" 2 \"", "2")]
    [InlineData("null", "0")]
    public void Json_ReadsStringsNumbersAndNull(string json, string expected)
    {
        Assert.Equal(expected, JsonSerializer.Deserialize<Quantity>(json, JsonOptions).ToString());
    }

    [Fact]
    public void Json_WritesAString()
    {
        Assert.Equal("\"1500m\"", JsonSerializer.Serialize(Quantity.FromDouble(1.5), JsonOptions));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Quantity>("\"1KB\"", JsonOptions));
    }
}
