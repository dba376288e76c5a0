namespace MetricsAdapter.Core.Decisions;

/// <summary>
/// The seam between deciding and auditing: the decision manager records each tick's decisions here before it
/// serves any of them. Implementations: the Kafka audit trail with its local spool, and an in-memory sink.
/// </summary>
public interface IAuditSink
{
    /// <summary>
    /// Records <paramref name="decisions"/> durably and in order. Returns how many of them, from the first, were
    /// recorded; the others must not be served (the sink is full, and has said so loudly).
    /// </summary>
    ValueTask<int> RecordAsync(IReadOnlyList<Decision> decisions, CancellationToken cancellationToken);
}

/// <summary>Keeps every decision in memory, for tests and for the simulator. Thread-safe.</summary>
public sealed class InMemoryAuditSink : IAuditSink
{
    private readonly Lock _gate = new();
    private readonly List<Decision> _decisions = [];

    public IReadOnlyList<Decision> Decisions
    {
        get
        {
            lock (_gate)
            {
                return [.. _decisions];
            }
        }
    }

    public ValueTask<int> RecordAsync(IReadOnlyList<Decision> decisions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        lock (_gate)
        {
            _decisions.AddRange(decisions);
        }

        return ValueTask.FromResult(decisions.Count);
    }
}
