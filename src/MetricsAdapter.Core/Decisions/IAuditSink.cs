namespace MetricsAdapter.Core.Decisions;

/// <summary>
/// The seam between deciding and auditing: the decision manager records each tick's decisions here before it
/// serves any of them. Implementation: the Kafka audit trail with its local spool (MetricsAdapter.Bus).
/// </summary>
public interface IAuditSink
{
    /// <summary>
    /// Records <paramref name="decisions"/> durably and in order. Returns how many of them, from the first, were
    /// recorded; the others must not be served (the sink is full, and has said so loudly).
    /// </summary>
    ValueTask<int> RecordAsync(IReadOnlyList<Decision> decisions, CancellationToken cancellationToken);
}
