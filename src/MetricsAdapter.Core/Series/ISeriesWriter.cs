using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Quantities;

namespace MetricsAdapter.Core.Series;

/// <summary>
/// The seam between deciding and serving: where the decision manager puts the values the API serves. Every value
/// written here has been recorded in the audit trail first.
/// </summary>
public interface ISeriesWriter
{
    /// <summary>Records the newest value of one series. Refusals are answers, never exceptions.</summary>
    SeriesWriteResult Write(SeriesPoint point);

    /// <summary>
    /// Stops serving one series now (the HPA then holds its replica count on that metric). Returns whether the
    /// series was being served.
    /// </summary>
    bool Withdraw(string metric, string namespaceName, LabelSet labels);
}

/// <summary>One value for one series: metric + namespace + labels identify the series.</summary>
/// <param name="Metric">A served metric's name (any case).</param>
/// <param name="Namespace">The namespace whose HPAs may read it.</param>
/// <param name="Labels">The series' labels.</param>
/// <param name="Value">The value to serve.</param>
/// <param name="Timestamp">When the value was computed.</param>
/// <param name="Window">The span the value summarises, if any.</param>
public sealed record SeriesPoint(
    string Metric,
    string Namespace,
    LabelSet Labels,
    Quantity Value,
    DateTimeOffset Timestamp,
    TimeSpan? Window = null);

/// <summary>What became of a write.</summary>
public enum SeriesWriteResult
{
    /// <summary>A new series was created with this value.</summary>
    Created,

    /// <summary>The series' value was replaced.</summary>
    Updated,

    /// <summary>The series already holds a newer value; this one was dropped (replays, reordering).</summary>
    IgnoredOutOfOrder,

    /// <summary>The metric is not one we serve.</summary>
    RejectedUnknownMetric,

    /// <summary>The namespace is not a valid Kubernetes namespace name.</summary>
    RejectedInvalidNamespace,

    /// <summary>The store holds as many live series as it may already.</summary>
    RejectedStoreFull,
}
