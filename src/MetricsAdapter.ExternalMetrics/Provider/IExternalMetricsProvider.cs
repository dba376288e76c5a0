using MetricsAdapter.Core.Labels;

namespace MetricsAdapter.ExternalMetrics.Provider;

/// <summary>
/// The one seam of the external metrics API (after custom-metrics-apiserver's <c>ExternalMetricsProvider</c>):
/// everything the HTTP layer serves comes through here.
/// </summary>
public interface IExternalMetricsProvider
{
    /// <summary>
    /// The current values of <paramref name="metricName"/> in <paramref name="namespaceName"/> whose labels match
    /// <paramref name="selector"/>. Metric names match case-insensitively (client-go lowercases them). An unknown
    /// metric is an answer (<see cref="ExternalMetricQueryResult.IsMetricKnown"/> false), not an exception.
    /// </summary>
    ValueTask<ExternalMetricQueryResult> GetExternalMetricAsync(
        string namespaceName,
        LabelSelector selector,
        string metricName,
        CancellationToken cancellationToken);

    /// <summary>Every metric served, for discovery and OpenAPI. Never throws.</summary>
    IReadOnlyList<ExternalMetricInfo> ListAllExternalMetrics();
}

/// <summary>A served metric: its lowercase name and what it means.</summary>
public sealed record ExternalMetricInfo(string Name, string Description);

/// <summary>One value of one series, as computed by its producer.</summary>
/// <param name="MetricName">The metric's lowercase name.</param>
/// <param name="Labels">The series' labels (e.g. <c>service=checkout</c>).</param>
/// <param name="Value">The value.</param>
/// <param name="Timestamp">When the value was computed; not when it is served.</param>
/// <param name="Window">The span the value summarises, if any.</param>
public sealed record ExternalMetricSample(
    string MetricName,
    LabelSet Labels,
    Core.Quantities.Quantity Value,
    DateTimeOffset Timestamp,
    TimeSpan? Window);

/// <summary>The answer to one query: either the matching samples of a known metric, or "no such metric".</summary>
public sealed record ExternalMetricQueryResult
{
    private static readonly ExternalMetricQueryResult NotFound = new(false, []);

    private ExternalMetricQueryResult(bool isMetricKnown, IReadOnlyList<ExternalMetricSample> items)
    {
        IsMetricKnown = isMetricKnown;
        Items = items;
    }

    /// <summary>False when the metric is not served at all (a 404), true otherwise, even with no matching series.</summary>
    public bool IsMetricKnown { get; }

    /// <summary>The matching samples, ordered by labels; empty when none match.</summary>
    public IReadOnlyList<ExternalMetricSample> Items { get; }

    public static ExternalMetricQueryResult UnknownMetric() => NotFound;

    public static ExternalMetricQueryResult Found(IReadOnlyList<ExternalMetricSample> items) => new(true, items);
}
