using System.ComponentModel.DataAnnotations;

namespace MetricsAdapter.Simulation.Demo;

/// <summary>The demo workload's shape. Bound from configuration section <c>Demo</c>.</summary>
public sealed record DemoWorkloadOptions
{
    public const string SectionName = "Demo";

    /// <summary>Namespace the demo services live in. Default <c>demo</c>.</summary>
    [Required]
    public string Namespace { get; init; } = "demo";

    /// <summary>
    /// Length of one simulated day. Default 1 hour, so a session sees the whole diurnal cycle; range 1 minute – 1 day.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan DayLength { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Mean time between surges of one service. Default 10 minutes; range 1 minute – 1 day.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan MeanTimeBetweenSurges { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Each demo sidecar's scrape interval, so how often each pod publishes an observation. Default 5 seconds; range 1 second – 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan PublishInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Pods per service, each with its own sidecar process. Default 2; range 1 – 20.</summary>
    [Range(1, 20)]
    public int PodsPerService { get; init; } = 2;

    /// <summary>Seed of the surge schedule and noise; the same seed gives the same workload. Default 1.</summary>
    public int Seed { get; init; } = 1;
}
