using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace MetricsAdapter.Core.Labels;

/// <summary>
/// Parsed selectors by their text. The HPA asks with the same few selector strings every sync period, so parsing
/// once is enough; the cache is bounded and simply starts over when full. Parse errors are cached too.
/// </summary>
public sealed class LabelSelectorCache(int capacity = 4096)
{
    private readonly ConcurrentDictionary<string, (LabelSelector? Selector, string? Error)> _entries = new(StringComparer.Ordinal);

    public bool TryParse(string? text, [NotNullWhen(true)] out LabelSelector? selector, [NotNullWhen(false)] out string? error)
    {
        if (string.IsNullOrEmpty(text))
        {
            selector = LabelSelector.Everything;
            error = null;
            return true;
        }

        if (!_entries.TryGetValue(text, out var entry))
        {
            entry = LabelSelector.TryParse(text, out var parsed, out var parseError) ? (parsed, null) : (null, parseError);
            if (text.Length <= 1024)
            {
                if (_entries.Count >= capacity)
                {
                    _entries.Clear();
                }

                _entries.TryAdd(text, entry);
            }
        }

        selector = entry.Selector;
        error = entry.Error;
        return selector is not null;
    }
}
