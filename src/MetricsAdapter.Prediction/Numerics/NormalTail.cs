namespace MetricsAdapter.Prediction.Numerics;

/// <summary>The normal distribution's tails (.NET has no erfc): erfc to about 1e-15 relative error.</summary>
public static class NormalTail
{
    private static readonly double TwoOverSqrtPi = 2.0 / Math.Sqrt(Math.PI);

    /// <summary>The complementary error function.</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x < 0)
        {
            return 2.0 - Erfc(-x);
        }

        // The series converges in a few dozen terms below 2, where the continued fraction would need hundreds;
        // beyond 2 the continued fraction converges fast and keeps full relative accuracy in the tail.
        if (x < 2.0)
        {
            return 1.0 - ErfSeries(x);
        }

        if (x > 27)
        {
            return 0.0;
        }

        return ErfcContinuedFraction(x);
    }

    /// <summary>Upper tail Q(z) = P(Z &gt; z) of the standard normal.</summary>
    public static double UpperTail(double z) => 0.5 * Erfc(z / Math.Sqrt(2.0));

    /// <summary>log10 Q(z), accurate far into the tail (asymptotic expansion beyond z = 5).</summary>
    public static double Log10UpperTail(double z)
    {
        if (z < 5.0)
        {
            return Math.Log10(Math.Max(UpperTail(z), 1e-300));
        }

        return ((-0.5 * z * z) - Math.Log(z * Math.Sqrt(2 * Math.PI)) + Math.Log(1 - (1 / (z * z)))) / Math.Log(10);
    }

    /// <summary>erf(x) = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1)), for small |x|.</summary>
    private static double ErfSeries(double x)
    {
        var x2 = x * x;
        var term = x;
        var sum = x;
        for (var n = 1; n < 100; n++)
        {
            term *= -x2 / n;
            var add = term / ((2 * n) + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17 * Math.Abs(sum))
            {
                break;
            }
        }

        return TwoOverSqrtPi * sum;
    }

    /// <summary>erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), by modified Lentz, for x ≥ 2.</summary>
    private static double ErfcContinuedFraction(double x)
    {
        const double Tiny = 1e-300;
        var f = x;
        var c = x;
        var d = 0.0;
        for (var n = 1; n < 5000; n++)
        {
            var a = n / 2.0;
            d = x + (a * d);
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = x + (a / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1.0 / d;
            var delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) < 1e-16)
            {
                break;
            }
        }

        return Math.Exp(-x * x) / (Math.Sqrt(Math.PI) * f);
    }
}
