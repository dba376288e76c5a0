using MetricsAdapter.Core.Observations;
using MetricsAdapter.Sidecar.Exposition;

namespace MetricsAdapter.Sidecar.Intervals;

/// <summary>What happened in one interval between two scrapes of the same convention.</summary>
/// <param name="Requests">Requests completed, from counter deltas (never negative).</param>
/// <param name="Errors">Of those, the ones whose status is an error (at most <paramref name="Requests"/>).</param>
/// <param name="Latency">The latency histogram's delta, merged over its series; null when the app exposes none.</param>
/// <param name="CounterReset">A counter went backwards (the app restarted): its count restarted from zero.</param>
/// <param name="Clipped">Impossible values were clipped or left out.</param>
/// <param name="LatencyP95">The interval's 95th-percentile latency in seconds, from the merged buckets; NaN without latency.</param>
public sealed record IntervalCounts(double Requests, double Errors, LatencyHistogram? Latency, bool CounterReset, bool Clipped, double LatencyP95);

/// <summary>
/// Turns two scrapes into one interval's counts. A counter that went backwards was reset (the app restarted): its
/// count in the interval is its new value, as Prometheus' <c>rate()</c> takes it, and the interval is flagged. A series
/// that appeared since the previous scrape started from zero in the interval (client libraries create a series on its
/// first increment). A rate above <see cref="MaxRequestsPerSecond"/> is impossible for one pod and is clipped.
/// </summary>
public sealed class IntervalComputer(double maxRequestsPerSecond)
{
    public double MaxRequestsPerSecond { get; } = maxRequestsPerSecond;

    public IntervalCounts Compute(ScrapeSnapshot previous, ScrapeSnapshot current, int convention, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        var reset = false;
        var clipped = current.ImpossibleSamples > 0;

        // A series first seen now started from zero in the interval, unless either scrape was cut at the series limit:
        // then it may be an old series admitted in another's place, and its lifetime total is no interval's count.
        var countNewSeries = previous.SeriesOverLimit == 0 && current.SeriesOverLimit == 0;
        double requests = 0, errors = 0;
        var hasCounter = current.Convention(convention).RequestsCounter is not null && current.Counters(convention).Count > 0;
        if (hasCounter)
        {
            var before = previous.Counters(convention);
            foreach (var (identity, now) in current.Counters(convention))
            {
                var (delta, seriesReset) = CountDelta(before.TryGetValue(identity, out var then) ? then.Value : null, now.Value, countNewSeries);
                reset |= seriesReset;
                requests += delta;
                errors += now.IsError ? delta : 0;
            }
        }

        var merged = new LatencyAccumulator();
        var histogramRequests = 0.0;
        var histogramErrors = 0.0;
        var histogramsBefore = previous.Histograms(convention);
        foreach (var (identity, now) in current.Histograms(convention))
        {
            histogramsBefore.TryGetValue(identity, out var then);
            if (now.Buckets.Count == 0)
            {
                // A summary, or a histogram without buckets (Micrometer's default): its _count still counts requests.
                var (count, countReset) = CountDelta(then?.Total, now.Total, countNewSeries);
                reset |= countReset;
                histogramRequests += count;
                histogramErrors += now.IsError ? count : 0;
                continue;
            }

            if (then is null && !countNewSeries)
            {
                continue;
            }

            var (delta, seriesReset, broken) = Delta(then, now);
            reset |= seriesReset;
            clipped |= broken;
            if (delta is null)
            {
                continue;
            }

            merged.Add(delta);
            histogramRequests += delta.Count;
            histogramErrors += now.IsError ? delta.Count : 0;
        }

        if (!hasCounter)
        {
            (requests, errors) = (histogramRequests, histogramErrors);
        }

        var limit = MaxRequestsPerSecond * Math.Max(interval.TotalSeconds, 0.001);
        if (requests > limit)
        {
            (requests, clipped) = (limit, true);
        }

        if (errors > requests)
        {
            (errors, clipped) = (requests, true);
        }

        var latency = merged.ToHistogram();
        if (latency is not null && latency.Count > limit)
        {
            (latency, clipped) = (null, true);
        }

        return new IntervalCounts(requests, errors, latency, reset, clipped, latency is null ? double.NaN : merged.Quantile(0.95));
    }

    /// <summary>A counter's change: its new value after a reset (it went backwards), nothing for a value that is not a number.</summary>
    private static (double Delta, bool Reset) CountDelta(double? then, double now, bool countNew)
    {
        if (double.IsNaN(now))
        {
            return (0, false);
        }

        if (then is not { } before || double.IsNaN(before))
        {
            return (countNew ? now : 0, false);
        }

        return now < before ? (now, true) : (now - before, false);
    }

    /// <summary>One series' change; null when it cannot be told (a broken shape, counted as clipped).</summary>
    private static (LatencyHistogram? Delta, bool Reset, bool Broken) Delta(HistogramSeries? then, HistogramSeries now)
    {
        var buckets = now.Buckets;
        if (buckets.Count == 0)
        {
            return (null, false, false);
        }

        var withInf = double.IsPositiveInfinity(buckets[^1].UpperBound);
        var length = buckets.Count + (withInf ? 0 : 1);
        var bounds = new double[length];
        var counts = new double[length];
        var total = now.Total;
        if (double.IsNaN(total))
        {
            return (null, false, true);
        }

        for (var i = 0; i < buckets.Count; i++)
        {
            (bounds[i], counts[i]) = buckets[i];
        }

        if (!withInf)
        {
            (bounds[^1], counts[^1]) = (double.PositiveInfinity, total);
        }

        var sum = now.Sum;
        var reset = false;
        if (then is not null && SameBounds(then, bounds, withInf))
        {
            var thenTotal = then.Total;
            if (total >= thenTotal && counts[0] >= then.Buckets[0].Cumulative)
            {
                for (var i = 0; i < then.Buckets.Count; i++)
                {
                    counts[i] -= then.Buckets[i].Cumulative;
                }

                if (!withInf)
                {
                    counts[^1] -= thenTotal;
                }

                total -= thenTotal;
                sum = Math.Max(0, sum - then.Sum);
            }
            else
            {
                reset = true;
            }
        }
        else if (then is not null)
        {
            // The layout changed: only a restarted app does that.
            reset = true;
        }

        // Cumulative after subtraction can dip by rounding or a racing scrape; make it monotone and flag it.
        var broken = false;
        for (var i = 0; i < length; i++)
        {
            var floor = i == 0 ? 0 : counts[i - 1];
            if (counts[i] < floor)
            {
                (counts[i], broken) = (floor, true);
            }
        }

        counts[^1] = Math.Max(counts[^1], 0);
        total = counts[^1];
        if (LatencyHistogram.Validate(bounds, counts, sum, total) is not null)
        {
            return (null, reset, true);
        }

        return (new LatencyHistogram(bounds, counts, sum, total), reset, broken);
    }

    private static bool SameBounds(HistogramSeries then, double[] bounds, bool withInf)
    {
        var expected = bounds.Length - (withInf ? 0 : 1);
        if (then.Buckets.Count != expected)
        {
            return false;
        }

        for (var i = 0; i < expected; i++)
        {
            if (then.Buckets[i].UpperBound != bounds[i])
            {
                return false;
            }
        }

        return true;
    }
}
