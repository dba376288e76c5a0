namespace MetricsAdapter.Core.Validation;

/// <summary>
/// Kubernetes name rules (apimachinery <c>pkg/util/validation</c>). Each check returns <c>null</c> when the
/// text is valid, otherwise the reason in apimachinery's wording so that people recognise it.
/// </summary>
public static class KubernetesNames
{
    public const int LabelMaxLength = 63;
    public const int Dns1123SubdomainMaxLength = 253;

    private const string Dns1123LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    private const string Dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private const string QualifiedNamePartMessage =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    private const string LabelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    /// <summary>Namespace names: an RFC 1123 label of at most 63 characters.</summary>
    public static string? ValidateDns1123Label(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > LabelMaxLength)
        {
            return $"must be no more than {LabelMaxLength} characters";
        }

        return IsDns1123Label(value) ? null : Dns1123LabelMessage;
    }

    /// <summary>Label keys and annotation keys: <c>[prefix/]name</c>, the prefix an RFC 1123 subdomain.</summary>
    public static string? ValidateQualifiedName(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var name = value;
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (value.IndexOf('/', slash + 1) >= 0)
            {
                return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
            }

            var prefix = value[..slash];
            name = value[(slash + 1)..];
            if (prefix.Length == 0)
            {
                return "prefix part must be non-empty";
            }

            if (ValidateDns1123Subdomain(prefix) is { } prefixError)
            {
                return "prefix part " + prefixError;
            }
        }

        if (name.Length == 0)
        {
            return "name part must be non-empty";
        }

        if (name.Length > LabelMaxLength)
        {
            return $"name part must be no more than {LabelMaxLength} characters";
        }

        return IsLabelToken(name) ? null : QualifiedNamePartMessage;
    }

    /// <summary>Label values: empty, or at most 63 alphanumerics with inner '-', '_' and '.'.</summary>
    public static string? ValidateLabelValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > LabelMaxLength)
        {
            return $"must be no more than {LabelMaxLength} characters";
        }

        return value.Length == 0 || IsLabelToken(value) ? null : LabelValueMessage;
    }

    /// <summary>RFC 1123 subdomains: dot-separated labels, at most 253 characters in all.</summary>
    public static string? ValidateDns1123Subdomain(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > Dns1123SubdomainMaxLength)
        {
            return $"must be no more than {Dns1123SubdomainMaxLength} characters";
        }

        foreach (var part in value.Split('.'))
        {
            if (!IsDns1123Label(part))
            {
                return Dns1123SubdomainMessage;
            }
        }

        return null;
    }

    private static bool IsDns1123Label(ReadOnlySpan<char> value)
    {
        if (value.Length == 0 || !IsLowerAlphanumeric(value[0]) || !IsLowerAlphanumeric(value[^1]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!IsLowerAlphanumeric(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]</c>.</summary>
    private static bool IsLabelToken(ReadOnlySpan<char> value)
    {
        if (value.Length == 0 || !char.IsAsciiLetterOrDigit(value[0]) || !char.IsAsciiLetterOrDigit(value[^1]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsLowerAlphanumeric(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
}
