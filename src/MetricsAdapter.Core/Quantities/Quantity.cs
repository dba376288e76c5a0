using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;

namespace MetricsAdapter.Core.Quantities;

/// <summary>How a <see cref="Quantity"/> prints itself; remembered from the text it was parsed from.</summary>
public enum QuantityFormat
{
    /// <summary>SI suffixes <c>n u m "" k M G T P E</c>; the format of everything we produce.</summary>
    DecimalSI,

    /// <summary>Powers of 1024: <c>Ki Mi Gi Ti Pi Ei</c>.</summary>
    BinarySI,

    /// <summary>Scientific: <c>e&lt;exponent&gt;</c>.</summary>
    DecimalExponent,
}

/// <summary>
/// A Kubernetes <c>resource.Quantity</c> (apimachinery <c>pkg/api/resource</c>): an exact decimal number,
/// never finer than 1n, that remembers the format it was written in and prints itself canonically.
/// </summary>
/// <remarks>
/// Contract (docs/kubernetes-contracts.md §2.4):
/// <list type="bullet">
/// <item>Grammar <c>[+-]? number suffix?</c>; a non-zero value finer than 1n is rounded up, away from zero.</item>
/// <item><see cref="ToString"/> is the canonical form: integer mantissa, exponent a multiple of three, no
/// decimal point; canonical input therefore prints back byte for byte.</item>
/// <item>Equality and ordering compare values, not formats: <c>1Ki</c> equals <c>1024</c>.</item>
/// </list>
/// The value is held as <c>mantissa × 10^exponent</c> with trailing zeros moved into the exponent, so
/// huge exponents (<c>1e2000000</c>) cost nothing until someone asks for a float.
/// </remarks>
public readonly struct Quantity : IEquatable<Quantity>, IComparable<Quantity>
{
    /// <summary>Binary quantities are capped here, as apimachinery does (2^63 − 1).</summary>
    private static readonly BigInteger MaxBinaryValue = long.MaxValue;

    private static readonly BigInteger[] SmallPowersOfTen = CreatePowersOfTen(40);

    private readonly BigInteger _mantissa;
    private readonly int _exponent;
    private readonly string? _canonical;

    private Quantity(BigInteger mantissa, int exponent, QuantityFormat format)
    {
        (_mantissa, _exponent) = Normalise(mantissa, exponent);
        Format = format;
        _canonical = FormatCanonical(_mantissa, _exponent, format);
    }

    /// <summary>The zero quantity, <c>"0"</c>.</summary>
    public static Quantity Zero { get; } = new(BigInteger.Zero, 0, QuantityFormat.DecimalSI);

    /// <summary>The format remembered from parsing; <see cref="QuantityFormat.DecimalSI"/> for values we build.</summary>
    public QuantityFormat Format { get; }

    /// <summary>-1, 0 or 1.</summary>
    public int Sign => _mantissa.Sign;

    public bool IsZero => _mantissa.IsZero;

    /// <summary>A quantity of <paramref name="milli"/> thousandths, printed as DecimalSI (KEDA's <c>NewMilliQuantity</c>).</summary>
    public static Quantity FromMilli(long milli) => new(milli, -3, QuantityFormat.DecimalSI);

    /// <summary>An integer quantity, printed as DecimalSI.</summary>
    public static Quantity FromInt64(long value) => new(value, 0, QuantityFormat.DecimalSI);

    /// <summary>
    /// Converts a finite double to a DecimalSI quantity with milli precision. The producer chooses the rounding:
    /// <see cref="MidpointRounding.ToPositiveInfinity"/> for conservative load figures, the default to-nearest
    /// otherwise. The double is first taken to 15 significant digits, so 0.1 is exactly <c>100m</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">NaN, infinity, or |value| ≥ 7.9e25.</exception>
    public static Quantity FromDouble(double value, MidpointRounding rounding = MidpointRounding.AwayFromZero)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A quantity must be a finite number.");
        }

        if (Math.Abs(value) >= 7.9e25)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "The value is too large for a milli-precision quantity.");
        }

        var milli = decimal.Round((decimal)value * 1000m, 0, rounding);
        return new Quantity(new BigInteger(milli), -3, QuantityFormat.DecimalSI);
    }

    /// <summary>Parses Kubernetes quantity text.</summary>
    /// <exception cref="FormatException">The text is not a quantity; the message says why.</exception>
    public static Quantity Parse(string text)
    {
        if (!TryParse(text, out var quantity, out var error))
        {
            throw new FormatException(error);
        }

        return quantity;
    }

    /// <summary>Parses Kubernetes quantity text; on failure <paramref name="error"/> says why, in apimachinery's words.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Quantity quantity, [NotNullWhen(false)] out string? error)
    {
        quantity = default;
        if (string.IsNullOrEmpty(text) || !QuantitySyntax.LooksLikeQuantity(text))
        {
            error = QuantitySyntax.FormatWrongMessage;
            return false;
        }

        if (!QuantitySyntax.TrySplit(text, out var parts))
        {
            error = QuantitySyntax.FormatWrongMessage;
            return false;
        }

        if (!QuantitySyntax.TryInterpretSuffix(parts.Suffix, out var suffix))
        {
            error = QuantitySyntax.SuffixMessage;
            return false;
        }

        var digits = string.Concat(parts.Integer, parts.Fraction);
        var mantissa = digits.Length == 0 ? BigInteger.Zero : BigInteger.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        if (parts.Negative)
        {
            mantissa = -mantissa;
        }

        long exponent = -parts.Fraction.Length;
        if (suffix.Base == 10)
        {
            exponent += suffix.Exponent;
        }
        else
        {
            mantissa <<= suffix.Exponent;
        }

        if (exponent is < int.MinValue / 2 or > int.MaxValue / 2)
        {
            error = QuantitySyntax.NumericMessage;
            return false;
        }

        (mantissa, var roundedExponent) = RoundUpToNano(mantissa, (int)exponent);
        var format = suffix.Format;
        if (format == QuantityFormat.BinarySI && ExceedsBinaryCap(mantissa, roundedExponent))
        {
            mantissa = mantissa.Sign * MaxBinaryValue;
            roundedExponent = 0;
        }

        quantity = new Quantity(mantissa, roundedExponent, format);
        error = null;
        return true;
    }

    /// <summary>What the HPA reads: <c>ceil(value × 1000)</c>, saturating at the range of <see cref="long"/>.</summary>
    public long MilliValue() => CeilingAt(-3);

    /// <summary><c>ceil(value)</c>, saturating at the range of <see cref="long"/>.</summary>
    public long Value() => CeilingAt(0);

    /// <summary><c>ceil(value × 10^−exponent)</c>, saturating at the range of <see cref="long"/>.</summary>
    private long CeilingAt(int exponent)
    {
        var (quotient, remainder) = ScaleTo(_mantissa, _exponent, exponent);
        if (remainder.Sign > 0)
        {
            quotient += 1;
        }

        return Saturate(quotient);
    }

    /// <summary>The nearest double (apimachinery's <c>AsApproximateFloat64</c>); ±infinity beyond its range.</summary>
    public double ToDouble()
    {
        if (_mantissa.IsZero)
        {
            return 0d;
        }

        return double.Parse(
            string.Create(CultureInfo.InvariantCulture, $"{_mantissa}E{_exponent}"),
            NumberStyles.Float,
            CultureInfo.InvariantCulture);
    }

    /// <summary>The canonical text, e.g. <c>1500m</c>, <c>2k</c>, <c>1536Mi</c>, <c>12e6</c>.</summary>
    public override string ToString() => _canonical ?? "0";

    public bool Equals(Quantity other) => _mantissa == other._mantissa && _exponent == other._exponent;

    public override bool Equals(object? obj) => obj is Quantity other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_mantissa, _exponent);

    public int CompareTo(Quantity other)
    {
        if (_mantissa.Sign != other._mantissa.Sign)
        {
            return _mantissa.Sign.CompareTo(other._mantissa.Sign);
        }

        var common = Math.Min(_exponent, other._exponent);
        var left = _mantissa * PowerOfTen(_exponent - common);
        var right = other._mantissa * PowerOfTen(other._exponent - common);
        return left.CompareTo(right);
    }

    public static bool operator ==(Quantity left, Quantity right) => left.Equals(right);

    public static bool operator !=(Quantity left, Quantity right) => !left.Equals(right);

    public static bool operator <(Quantity left, Quantity right) => left.CompareTo(right) < 0;

    public static bool operator >(Quantity left, Quantity right) => left.CompareTo(right) > 0;

    public static bool operator <=(Quantity left, Quantity right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Quantity left, Quantity right) => left.CompareTo(right) >= 0;

    private static (BigInteger Mantissa, int Exponent) Normalise(BigInteger mantissa, int exponent)
    {
        if (mantissa.IsZero)
        {
            return (BigInteger.Zero, 0);
        }

        while (true)
        {
            var quotient = BigInteger.DivRem(mantissa, 10, out var remainder);
            if (!remainder.IsZero)
            {
                return (mantissa, exponent);
            }

            mantissa = quotient;
            exponent++;
        }
    }

    /// <summary>Rounds a non-zero value finer than 1n up (away from zero) to a multiple of 1n.</summary>
    private static (BigInteger Mantissa, int Exponent) RoundUpToNano(BigInteger mantissa, int exponent)
    {
        const int Nano = -9;
        if (exponent >= Nano || mantissa.IsZero)
        {
            return (mantissa, exponent);
        }

        // Digits below 1n: when every digit of the mantissa lies below 1n the result is one nano.
        var digitCount = BigInteger.Abs(mantissa).ToString(CultureInfo.InvariantCulture).Length;
        var shift = Nano - exponent;
        if (shift > digitCount)
        {
            return (mantissa.Sign, Nano);
        }

        var quotient = BigInteger.DivRem(mantissa, PowerOfTen(shift), out var remainder);
        if (!remainder.IsZero)
        {
            quotient += mantissa.Sign;
        }

        return (quotient, Nano);
    }

    /// <summary>Expresses the value in units of 10^<paramref name="targetExponent"/>: floor quotient and a non-negative remainder.</summary>
    private static (BigInteger Quotient, BigInteger Remainder) ScaleTo(BigInteger mantissa, int exponent, int targetExponent)
    {
        if (exponent >= targetExponent)
        {
            var shift = exponent - targetExponent;
            if (shift > 40)
            {
                // Far beyond the range of long; the caller saturates.
                return (mantissa.Sign * (BigInteger.One << 80), BigInteger.Zero);
            }

            return (mantissa * PowerOfTen(shift), BigInteger.Zero);
        }

        var divisor = PowerOfTen(targetExponent - exponent);
        var quotient = BigInteger.DivRem(mantissa, divisor, out var remainder);
        if (remainder.Sign < 0)
        {
            quotient -= 1;
            remainder += divisor;
        }

        return (quotient, remainder);
    }

    private static bool ExceedsBinaryCap(BigInteger mantissa, int exponent) =>
        exponent >= 0
            ? BigInteger.Abs(mantissa) * PowerOfTen(exponent) > MaxBinaryValue
            : BigInteger.Abs(mantissa) > MaxBinaryValue * PowerOfTen(-exponent);

    private static long Saturate(BigInteger value) =>
        value > long.MaxValue ? long.MaxValue : value < long.MinValue ? long.MinValue : (long)value;

    private static string FormatCanonical(BigInteger mantissa, int exponent, QuantityFormat format)
    {
        if (mantissa.IsZero)
        {
            return "0";
        }

        if (format == QuantityFormat.BinarySI && TryFormatBinary(mantissa, exponent, out var binary))
        {
            return binary;
        }

        // Go's % keeps the dividend's sign: 1 or -2 → one more digit, 2 or -1 → two more.
        switch (exponent % 3)
        {
            case 1 or -2:
                mantissa *= 10;
                exponent -= 1;
                break;
            case 2 or -1:
                mantissa *= 100;
                exponent -= 2;
                break;
        }

        var number = mantissa.ToString(CultureInfo.InvariantCulture);
        if (format == QuantityFormat.DecimalExponent)
        {
            return exponent == 0 ? number : string.Create(CultureInfo.InvariantCulture, $"{number}e{exponent}");
        }

        return DecimalSuffix(exponent) is { } suffix
            ? number + suffix
            : string.Create(CultureInfo.InvariantCulture, $"{number}e{exponent}");
    }

    /// <summary>
    /// Binary form: an integer of at least 1024 in magnitude, written as <c>m × 1024^k</c> with the largest k.
    /// Smaller or fractional values print as DecimalSI so no precision is lost.
    /// </summary>
    private static bool TryFormatBinary(BigInteger mantissa, int exponent, [NotNullWhen(true)] out string? text)
    {
        text = null;
        if (exponent < 0)
        {
            return false;
        }

        var value = mantissa * PowerOfTen(exponent);
        if (BigInteger.Abs(value) < 1024)
        {
            return false;
        }

        var power = 0;
        while (power < 6)
        {
            var quotient = BigInteger.DivRem(value, 1024, out var remainder);
            if (!remainder.IsZero)
            {
                break;
            }

            value = quotient;
            power++;
        }

        text = value.ToString(CultureInfo.InvariantCulture) + power switch
        {
            0 => "",
            1 => "Ki",
            2 => "Mi",
            3 => "Gi",
            4 => "Ti",
            5 => "Pi",
            _ => "Ei",
        };
        return true;
    }

    private static string? DecimalSuffix(int exponent) => exponent switch
    {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => null,
    };

    private static BigInteger PowerOfTen(int exponent) =>
        exponent < SmallPowersOfTen.Length ? SmallPowersOfTen[exponent] : BigInteger.Pow(10, exponent);

    private static BigInteger[] CreatePowersOfTen(int count)
    {
        var powers = new BigInteger[count];
        var value = BigInteger.One;
        for (var i = 0; i < count; i++)
        {
            powers[i] = value;
            value *= 10;
        }

        return powers;
    }
}
