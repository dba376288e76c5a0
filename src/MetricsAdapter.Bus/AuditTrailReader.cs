using Confluent.Kafka;
using MetricsAdapter.Core.Decisions;

namespace MetricsAdapter.Bus;

/// <summary>One decision record read back from the audit topic, with where it was.</summary>
public sealed record AuditRecord(DecisionEvent Event, int Partition, long Offset);

/// <summary>
/// Reads the audit topic from a point in time to its current end, without joining a group or committing
/// anything: for <c>explain</c>, for tests, and for anyone checking the trail.
/// </summary>
public static class AuditTrailReader
{
    /// <summary>
    /// Every decision record published at or after <paramref name="since"/> whose subject is
    /// <paramref name="subject"/> (every subject when null), in publish order per partition. Records that are not
    /// decision records are counted in <paramref name="skipped"/>.
    /// </summary>
    /// <exception cref="KafkaException">The brokers did not answer within <paramref name="timeout"/>.</exception>
    public static IReadOnlyList<AuditRecord> Read(
        IReadOnlyDictionary<string, string> settings,
        string topic,
        DateTimeOffset since,
        string? subject,
        TimeSpan timeout,
        TimeProvider timeProvider,
        out int skipped)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(timeProvider);
        skipped = 0;
        var records = new List<AuditRecord>();
        var config = new Dictionary<string, string>(settings, StringComparer.Ordinal)
        {
            ["group.id"] = "metrics-adapter-reader",
            ["enable.auto.commit"] = "false",
            ["enable.partition.eof"] = "true",
        };
        using var admin = new AdminClientBuilder(settings).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        var metadata = admin.GetMetadata(topic, timeout);
        var partitions = metadata.Topics.SingleOrDefault(t => t.Topic == topic && !t.Error.IsError)?.Partitions
            .Select(p => new TopicPartition(topic, p.PartitionId)).ToList() ?? [];
        if (partitions.Count == 0)
        {
            return records;
        }

        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        var starts = consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(p, new Timestamp(since.UtcDateTime))), timeout);
        var assignments = new List<TopicPartitionOffset>();
        foreach (var start in starts)
        {
            var watermarks = consumer.QueryWatermarkOffsets(start.TopicPartition, timeout);
            var from = start.Offset.Value >= 0
                ? start.Offset.Value
                : SearchByTimestamp(consumer, start.TopicPartition, since, watermarks.Low.Value, watermarks.High.Value, timeout);
            if (from < watermarks.High.Value)
            {
                assignments.Add(new TopicPartitionOffset(start.TopicPartition, from));
            }
        }

        consumer.Assign(assignments);
        var remaining = assignments.Count;
        var deadline = timeProvider.GetUtcNow() + timeout;
        while (remaining > 0)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(1));
            if (result is null)
            {
                if (timeProvider.GetUtcNow() > deadline)
                {
                    throw new KafkaException(new Error(ErrorCode.Local_TimedOut, $"reading {topic} did not reach its end within {timeout}"));
                }

                continue;
            }

            if (result.IsPartitionEOF)
            {
                remaining--;
                continue;
            }

            if (!DecisionEvents.TryParse(result.Message.Value, out var decisionEvent, out _))
            {
                skipped++;
                continue;
            }

            if (decisionEvent!.Time >= since && (subject is null || string.Equals(decisionEvent.Subject, subject, StringComparison.Ordinal)))
            {
                records.Add(new AuditRecord(decisionEvent!, result.Partition.Value, result.Offset.Value));
            }
        }

        return records;
    }

    /// <summary>
    /// The first offset whose record is at or after <paramref name="since"/>, by bisecting on record timestamps:
    /// for brokers that answer a time lookup with "end" although newer records exist (librdkafka's mock cluster).
    /// Records carry their decision's time, which rises along a partition.
    /// </summary>
    private static long SearchByTimestamp(IConsumer<byte[], byte[]> consumer, TopicPartition partition, DateTimeOffset since, long low, long high, TimeSpan timeout)
    {
        var (first, last) = (low, high);
        while (first < last)
        {
            var middle = first + ((last - first) / 2);
            consumer.Assign(new TopicPartitionOffset(partition, middle));
            var result = consumer.Consume(timeout);
            consumer.Unassign();
            if (result?.Message is null || result.IsPartitionEOF)
            {
                return high;
            }

            if (new DateTimeOffset(result.Message.Timestamp.UtcDateTime, TimeSpan.Zero) >= since)
            {
                last = middle;
            }
            else
            {
                first = middle + 1;
            }
        }

        return first;
    }
}
