using System.Collections.Concurrent;

namespace MetricsAdapter.Bus;

/// <summary>Whether each Kafka client currently reaches a broker, as its errors and successes tell. Thread-safe.</summary>
public sealed class KafkaConnectivity(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset?> _downSince = new(StringComparer.Ordinal);

    public IEnumerable<string> Roles => _downSince.Keys;

    /// <summary>Since when <paramref name="role"/> has reached no broker; null while it does.</summary>
    public DateTimeOffset? DownSince(string role) => _downSince.TryGetValue(role, out var since) ? since : null;

    public void Up(string role) => _downSince[role] = null;

    public void Down(string role)
    {
        var now = timeProvider.GetUtcNow();
        _downSince.AddOrUpdate(role, now, (_, since) => since ?? now);
    }
}
