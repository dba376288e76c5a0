namespace MetricsAdapter.Injection.Patch;

/// <summary>RFC 6901 JSON Pointer tokens: <c>~</c> is written <c>~0</c> and <c>/</c> is written <c>~1</c>.</summary>
public static class JsonPointer
{
    /// <summary>Escapes one reference token (an object key or an array index).</summary>
    public static string Escape(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.AsSpan().IndexOfAny('~', '/') < 0)
        {
            return token;
        }

        // Order matters: escape '~' first so the '~' of "~1" is not escaped again.
        return token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
    }

    /// <summary>Unescapes one reference token; <c>~1</c> first, then <c>~0</c>, as the RFC requires.</summary>
    public static string Unescape(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
    }

    /// <summary>Appends an escaped token to a pointer.</summary>
    public static string Append(string pointer, string token) => pointer + "/" + Escape(token);

    /// <summary>Splits a pointer into unescaped tokens; the root pointer <c>""</c> has none.</summary>
    public static IReadOnlyList<string> Parse(string pointer)
    {
        ArgumentNullException.ThrowIfNull(pointer);
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw new FormatException($"JSON pointer \"{pointer}\" must be empty or start with '/'");
        }

        return pointer[1..].Split('/').Select(Unescape).ToArray();
    }
}
