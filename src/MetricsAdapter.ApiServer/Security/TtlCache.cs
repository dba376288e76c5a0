using System.Collections.Concurrent;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>A small bounded cache whose entries expire; cleared wholesale when full (entries live seconds).</summary>
internal sealed class TtlCache<TKey, TValue>(int capacity, TimeProvider timeProvider)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, (TValue Value, DateTimeOffset Expires)> _entries = new();

    public bool TryGet(TKey key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.Expires > timeProvider.GetUtcNow())
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value, TimeSpan ttl)
    {
        if (_entries.Count >= capacity)
        {
            _entries.Clear();
        }

        _entries[key] = (value, timeProvider.GetUtcNow() + ttl);
    }
}
