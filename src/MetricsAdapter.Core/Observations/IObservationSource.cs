namespace MetricsAdapter.Core.Observations;

/// <summary>
/// The seam between the bus and the decision manager: delivers raw observation records, in order per service,
/// to a sink until cancelled. The source owns transport details (consumer groups, offsets, reconnects).
/// </summary>
public interface IObservationSource
{
    /// <summary>Where records come from, for logs and readiness details (e.g. a topic and brokers).</summary>
    string Description { get; }

    /// <summary>Delivers records to <paramref name="sink"/> until cancelled; transport faults are retried, not thrown.</summary>
    Task RunAsync(IObservationSink sink, CancellationToken cancellationToken);
}

/// <summary>Takes raw observation records. Called from the source's thread; must not throw for bad input.</summary>
public interface IObservationSink
{
    void Accept(in ObservationRecord record);
}

/// <summary>One record as it came off the bus.</summary>
/// <param name="Key">The record's key, <c>namespace/service</c> in UTF-8 (empty if it had none).</param>
/// <param name="Value">The observation's JSON.</param>
/// <param name="Published">When the producer published it (the record's timestamp), if known.</param>
/// <param name="Origin">Where it came from, for log lines.</param>
public readonly record struct ObservationRecord(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte> Value, DateTimeOffset? Published, RecordOrigin Origin);

/// <summary>Where a record came from: a topic, partition and offset (or any other source and position). Formatted only when printed.</summary>
public readonly record struct RecordOrigin(string Source, int Partition, long Offset)
{
    public override string ToString() =>
        Partition < 0
            ? Source
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Source}[{Partition}]@{Offset}");
}

/// <summary>Publishes observations (the sidecar's and the demo's side of the bus). Never blocks.</summary>
public interface IObservationPublisher
{
    /// <summary>Queues one observation for publishing; false when it was dropped (a full buffer), and counted.</summary>
    bool TryPublish(Observation observation);
}
