using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using MetricsAdapter.ApiServer.Status;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace MetricsAdapter.ApiServer.Requests;

/// <summary>
/// The request checks every read endpoint shares: method, Accept, query parameters, <c>?pretty</c>, <c>?timeout</c>.
/// Each check returns a Status error to send, or null when the request passes.
/// </summary>
public static class KubernetesRequests
{
    private static readonly string[] GetOnly = ["GET"];

    private static readonly HashSet<string> AcceptableMediaTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "*/*", "application/*", "application/json", "application/vnd.kubernetes.protobuf",
    };

    /// <summary>Only GET is served on read endpoints; anything else is a 405 naming what is allowed.</summary>
    public static KubernetesStatus? RequireGet(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (HttpMethods.IsGet(request.Method))
        {
            return null;
        }

        request.HttpContext.Response.Headers.Allow = "GET";
        return StatusErrors.MethodNotAllowed(request.Method, GetOnly);
    }

    /// <summary>
    /// We answer JSON. Clients that accept JSON, anything (<c>*/*</c>), or Kubernetes protobuf (client-go decodes
    /// by the response's content type, so a protobuf-preferring HPA reads JSON fine) are served; others get a 406.
    /// </summary>
    public static KubernetesStatus? RequireJsonAcceptable(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var accept = request.Headers.Accept;
        if (StringValues.IsNullOrEmpty(accept))
        {
            return null;
        }

        foreach (var header in accept)
        {
            foreach (var range in (header ?? string.Empty).Split(','))
            {
                var mediaType = range.Split(';', 2)[0].Trim();
                if (mediaType.Length == 0 || AcceptableMediaTypes.Contains(mediaType))
                {
                    return null;
                }
            }
        }

        return StatusErrors.NotAcceptable(accept.ToString());
    }

    /// <summary>Unknown or repeated query parameters are refused: a typo should not be silently ignored.</summary>
    public static KubernetesStatus? RequireKnownQuery(HttpRequest request, IReadOnlyCollection<string> allowed)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(allowed);
        foreach (var (name, values) in request.Query)
        {
            if (!allowed.Contains(name))
            {
                return StatusErrors.BadRequest(
                    $"unknown query parameter \"{StatusErrors.Printable(name)}\"; this endpoint accepts {string.Join(", ", allowed)}",
                    new StatusCause("FieldValueNotSupported", "unknown query parameter", StatusErrors.Printable(name)));
            }

            if (values.Count > 1)
            {
                return StatusErrors.BadRequest($"query parameter \"{name}\" is given {values.Count} times; give it once");
            }
        }

        return null;
    }

    /// <summary><c>?pretty=true</c> (or <c>1</c>) asks for indented JSON; anything else unparseable is an error.</summary>
    public static bool TryReadPretty(HttpRequest request, out bool pretty, [NotNullWhen(false)] out KubernetesStatus? error)
    {
        ArgumentNullException.ThrowIfNull(request);
        error = null;
        pretty = false;
        if (!request.Query.TryGetValue("pretty", out var value))
        {
            return true;
        }

        var text = value.ToString();
        if (text.Length == 0 || text is "1" or "true" or "True" or "TRUE")
        {
            pretty = true;
            return true;
        }

        if (text is "0" or "false" or "False" or "FALSE")
        {
            return true;
        }

        error = StatusErrors.BadRequest($"query parameter \"pretty\" must be true or false, not \"{StatusErrors.Printable(text)}\"");
        return false;
    }

    /// <summary>
    /// <c>?timeout=</c> as client-go writes it (a Go duration such as <c>30s</c>, <c>1m0s</c>, <c>500ms</c>).
    /// Null when absent.
    /// </summary>
    public static bool TryReadTimeout(HttpRequest request, out TimeSpan? timeout, [NotNullWhen(false)] out KubernetesStatus? error)
    {
        ArgumentNullException.ThrowIfNull(request);
        error = null;
        timeout = null;
        if (!request.Query.TryGetValue("timeout", out var value))
        {
            return true;
        }

        if (GoDuration.TryParse(value.ToString(), out var parsed) && parsed > TimeSpan.Zero)
        {
            timeout = parsed;
            return true;
        }

        error = StatusErrors.BadRequest(
            $"query parameter \"timeout\" must be a positive duration such as 10s or 1m30s, not \"{StatusErrors.Printable(value.ToString())}\"");
        return false;
    }
}

/// <summary>Go's <c>time.ParseDuration</c> for the units Kubernetes clients send: h, m, s, ms, us/µs, ns.</summary>
public static class GoDuration
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return false;
        }

        if (text == "0")
        {
            return true;
        }

        var totalTicks = 0m;
        var position = 0;
        while (position < text.Length)
        {
            var start = position;
            while (position < text.Length && (char.IsAsciiDigit(text[position]) || text[position] == '.'))
            {
                position++;
            }

            if (start == position
                || !decimal.TryParse(text.AsSpan(start, position - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
                || number > 1_000_000_000m)
            {
                return false;
            }

            var unitStart = position;
            while (position < text.Length && !char.IsAsciiDigit(text[position]) && text[position] != '.')
            {
                position++;
            }

            decimal? ticksPerUnit = text[unitStart..position] switch
            {
                "h" => TimeSpan.TicksPerHour,
                "m" => TimeSpan.TicksPerMinute,
                "s" => TimeSpan.TicksPerSecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "us" or "µs" or "μs" => TimeSpan.TicksPerMicrosecond,
                "ns" => 0.01m,
                _ => null,
            };
            if (ticksPerUnit is null)
            {
                return false;
            }

            totalTicks += number * ticksPerUnit.Value;
            if (totalTicks > TimeSpan.MaxValue.Ticks)
            {
                return false;
            }
        }

        duration = TimeSpan.FromTicks((long)totalTicks);
        return true;
    }
}
