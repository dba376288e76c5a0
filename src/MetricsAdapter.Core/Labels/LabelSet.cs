using System.Collections;
using System.Diagnostics.CodeAnalysis;
using MetricsAdapter.Core.Validation;

namespace MetricsAdapter.Core.Labels;

/// <summary>
/// An immutable set of Kubernetes labels, kept sorted by key so that two sets with the same pairs are equal,
/// hash alike and print alike (<c>a=1,b=2</c>) whatever order they were given in.
/// </summary>
public sealed class LabelSet : IReadOnlyDictionary<string, string>, IEquatable<LabelSet>
{
    private readonly string[] _keys;
    private readonly string[] _values;
    private readonly int _hash;

    private LabelSet(string[] keys, string[] values)
    {
        _keys = keys;
        _values = values;
        var hash = new HashCode();
        for (var i = 0; i < keys.Length; i++)
        {
            hash.Add(keys[i], StringComparer.Ordinal);
            hash.Add(values[i], StringComparer.Ordinal);
        }

        _hash = hash.ToHashCode();
    }

    public static LabelSet Empty { get; } = new([], []);

    public int Count => _keys.Length;

    public IEnumerable<string> Keys => _keys;

    public IEnumerable<string> Values => _values;

    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    /// <summary>Builds a set, validating every key and value by Kubernetes label rules.</summary>
    /// <exception cref="ArgumentException">A key or value is not a valid label, or a key repeats.</exception>
    public static LabelSet Create(IEnumerable<KeyValuePair<string, string>> labels)
    {
        if (!TryCreate(labels, out var set, out var error))
        {
            throw new ArgumentException(error, nameof(labels));
        }

        return set;
    }

    /// <inheritdoc cref="Create(IEnumerable{KeyValuePair{string, string}})"/>
    public static LabelSet Create(params ReadOnlySpan<(string Key, string Value)> labels)
    {
        var pairs = new List<KeyValuePair<string, string>>(labels.Length);
        foreach (var (key, value) in labels)
        {
            pairs.Add(new KeyValuePair<string, string>(key, value));
        }

        return Create(pairs);
    }

    /// <summary>Builds a set; on failure <paramref name="error"/> names the offending key or value.</summary>
    public static bool TryCreate(
        IEnumerable<KeyValuePair<string, string>> labels,
        [NotNullWhen(true)] out LabelSet? set,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(labels);
        set = null;
        var pairs = labels.ToArray();
        Array.Sort(pairs, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var keys = new string[pairs.Length];
        var values = new string[pairs.Length];
        for (var i = 0; i < pairs.Length; i++)
        {
            var (key, value) = (pairs[i].Key, pairs[i].Value ?? string.Empty);
            if (KubernetesNames.ValidateQualifiedName(key ?? string.Empty) is { } keyError)
            {
                error = $"label key \"{key}\" is invalid: {keyError}";
                return false;
            }

            if (KubernetesNames.ValidateLabelValue(value) is { } valueError)
            {
                error = $"label value \"{value}\" for key \"{key}\" is invalid: {valueError}";
                return false;
            }

            if (i > 0 && string.Equals(keys[i - 1], key, StringComparison.Ordinal))
            {
                error = $"label key \"{key}\" is given twice";
                return false;
            }

            keys[i] = key!;
            values[i] = value;
        }

        set = pairs.Length == 0 ? Empty : new LabelSet(keys, values);
        error = null;
        return true;
    }

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        var index = IndexOf(key);
        if (index < 0)
        {
            value = null;
            return false;
        }

        value = _values[index];
        return true;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            yield return new KeyValuePair<string, string>(_keys[i], _values[i]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(LabelSet? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return other is not null
            && other._hash == _hash
            && _keys.AsSpan().SequenceEqual(other._keys)
            && _values.AsSpan().SequenceEqual(other._values);
    }

    public override bool Equals(object? obj) => Equals(obj as LabelSet);

    public override int GetHashCode() => _hash;

    /// <summary><c>key=value</c> pairs sorted by key, comma-joined: the form of an equality selector.</summary>
    public override string ToString() =>
        string.Join(',', _keys.Select((key, i) => $"{key}={_values[i]}"));

    private int IndexOf(string key)
    {
        // Label sets are small (a handful of keys): a linear ordinal scan beats hashing.
        for (var i = 0; i < _keys.Length; i++)
        {
            if (string.Equals(_keys[i], key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
