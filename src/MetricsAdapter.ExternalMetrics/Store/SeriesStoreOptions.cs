using System.ComponentModel.DataAnnotations;

namespace MetricsAdapter.ExternalMetrics.Store;

/// <summary>Bounds of the in-memory series store. Bound from configuration section <c>SeriesStore</c>.</summary>
public sealed record SeriesStoreOptions
{
    public const string SectionName = "SeriesStore";

    /// <summary>
    /// Most series held over all metrics and namespaces. A write that would create one more is refused (and
    /// counted) once expired series have been dropped. Default 100 000; range 1 – 10 000 000.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxSeries { get; init; } = 100_000;

    /// <summary>
    /// A series whose newest value is older than this is no longer served and is dropped at the next sweep: the HPA
    /// ignores timestamps, so serving an old forecast would scale on the past. With no value, the HPA's metric is
    /// unknown and it does not scale down on it. Default 5 minutes; range 1 second – 1 day.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often expired series are swept. Default 30 seconds; range 1 second – 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(30);
}
