using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace MetricsAdapter.Host.Serving;

/// <summary>Parses <c>--listen</c> as Kubernetes components write it: <c>ip:port</c>, <c>[ipv6]:port</c> or <c>:port</c> (all interfaces).</summary>
public static class ListenAddress
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out IPEndPoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "--listen needs an address such as 127.0.0.1:6443";
            return false;
        }

        if (text.StartsWith(':') && int.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var anyPort) && anyPort is >= 0 and <= 65535)
        {
            endpoint = new IPEndPoint(IPAddress.IPv6Any, anyPort);
            error = null;
            return true;
        }

        if (IPEndPoint.TryParse(text, out var parsed) && text.Contains(':', StringComparison.Ordinal) && (parsed.Port > 0 || text.EndsWith(":0", StringComparison.Ordinal)))
        {
            endpoint = parsed;
            error = null;
            return true;
        }

        error = $"--listen \"{text}\" is not an address with a port such as 127.0.0.1:6443, [::1]:6443 or :6443";
        return false;
    }
}
