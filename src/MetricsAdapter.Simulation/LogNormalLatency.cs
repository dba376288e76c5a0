using MetricsAdapter.Core.Observations;
using MetricsAdapter.Prediction.Numerics;

namespace MetricsAdapter.Simulation;

/// <summary>Simulated pods' latency: log-normal around a median, reported in Prometheus' default buckets.</summary>
internal static class LogNormalLatency
{
    /// <summary>Prometheus client libraries' default latency buckets, in seconds.</summary>
    public static double[] Buckets { get; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, double.PositiveInfinity];

    /// <summary>The z of the 95th percentile of a normal distribution.</summary>
    public const double P95Z = 1.645;

    /// <summary>
    /// Each bucket's expected cumulative count for <paramref name="requests"/> latencies log-normal around
    /// <paramref name="median"/> (log standard deviation <paramref name="spread"/>); whole counts when a counter would
    /// report them.
    /// </summary>
    public static LatencyHistogram Histogram(double requests, double median, double spread, bool wholeCounts)
    {
        var counts = new double[Buckets.Length];
        for (var i = 0; i < Buckets.Length; i++)
        {
            if (i == Buckets.Length - 1)
            {
                counts[i] = requests;
                continue;
            }

            var below = requests * (1 - NormalTail.UpperTail((Math.Log(Buckets[i]) - Math.Log(median)) / spread));
            counts[i] = Math.Max(i == 0 ? 0 : counts[i - 1], wholeCounts ? Math.Round(below) : below);
        }

        return new LatencyHistogram(Buckets, counts, requests * median * Math.Exp(spread * spread / 2), requests);
    }
}
