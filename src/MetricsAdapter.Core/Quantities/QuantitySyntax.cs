using System.Globalization;
using System.Text.RegularExpressions;

namespace MetricsAdapter.Core.Quantities;

/// <summary>The lexical side of quantity parsing: shape check, split into parts, suffix meaning.</summary>
internal static partial class QuantitySyntax
{
    // apimachinery's own error texts, so people can search for them.
    public const string FormatWrongMessage =
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

    public const string SuffixMessage = "unable to parse quantity's suffix";

    public const string NumericMessage = "unable to parse quantity's numeric part";

    public static bool LooksLikeQuantity(string text) => ShapeRegex().IsMatch(text);

    /// <summary>
    /// Splits <c>[+-]? digits? (. digits?)? suffix</c>. Leading zeros of the integer part are dropped; a number
    /// with no digits at all (<c>.</c>) is zero, as apimachinery reads it.
    /// </summary>
    public static bool TrySplit(string text, out QuantityParts parts)
    {
        parts = default;
        var position = 0;
        var negative = false;
        if (text[0] is '+' or '-')
        {
            negative = text[0] == '-';
            position++;
        }

        var integerStart = position;
        while (position < text.Length && char.IsAsciiDigit(text[position]))
        {
            position++;
        }

        var integer = text[integerStart..position].TrimStart('0');
        var fraction = string.Empty;
        if (position < text.Length && text[position] == '.')
        {
            position++;
            var fractionStart = position;
            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                position++;
            }

            fraction = text[fractionStart..position];
        }

        var suffix = text[position..];
        if (suffix.Contains('.', StringComparison.Ordinal))
        {
            return false;
        }

        parts = new QuantityParts(negative, integer, fraction, suffix);
        return true;
    }

    /// <summary>
    /// Decimal SI (<c>n u m "" k M G T P E</c>), binary SI (<c>Ki … Ei</c>) or an exponent (<c>e3</c>, <c>E-2</c>).
    /// A lone <c>E</c> is exa; a lone <c>e</c>, <c>K</c> or <c>ki</c> is not a suffix.
    /// </summary>
    public static bool TryInterpretSuffix(string suffix, out QuantitySuffix meaning)
    {
        meaning = suffix switch
        {
            "" => new QuantitySuffix(10, 0, QuantityFormat.DecimalSI),
            "n" => new QuantitySuffix(10, -9, QuantityFormat.DecimalSI),
            "u" => new QuantitySuffix(10, -6, QuantityFormat.DecimalSI),
            "m" => new QuantitySuffix(10, -3, QuantityFormat.DecimalSI),
            "k" => new QuantitySuffix(10, 3, QuantityFormat.DecimalSI),
            "M" => new QuantitySuffix(10, 6, QuantityFormat.DecimalSI),
            "G" => new QuantitySuffix(10, 9, QuantityFormat.DecimalSI),
            "T" => new QuantitySuffix(10, 12, QuantityFormat.DecimalSI),
            "P" => new QuantitySuffix(10, 15, QuantityFormat.DecimalSI),
            "E" => new QuantitySuffix(10, 18, QuantityFormat.DecimalSI),
            "Ki" => new QuantitySuffix(2, 10, QuantityFormat.BinarySI),
            "Mi" => new QuantitySuffix(2, 20, QuantityFormat.BinarySI),
            "Gi" => new QuantitySuffix(2, 30, QuantityFormat.BinarySI),
            "Ti" => new QuantitySuffix(2, 40, QuantityFormat.BinarySI),
            "Pi" => new QuantitySuffix(2, 50, QuantityFormat.BinarySI),
            "Ei" => new QuantitySuffix(2, 60, QuantityFormat.BinarySI),
            _ => default,
        };
        if (meaning.Base != 0)
        {
            return true;
        }

        if (suffix.Length > 1 && suffix[0] is 'e' or 'E'
            && int.TryParse(suffix.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exponent))
        {
            meaning = new QuantitySuffix(10, exponent, QuantityFormat.DecimalExponent);
            return true;
        }

        return false;
    }

    [GeneratedRegex(@"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)\z", RegexOptions.CultureInvariant)]
    private static partial Regex ShapeRegex();
}

internal readonly record struct QuantityParts(bool Negative, string Integer, string Fraction, string Suffix);

internal readonly record struct QuantitySuffix(int Base, int Exponent, QuantityFormat Format);
