namespace MetricsAdapter.ApiServer.Status;

/// <summary>
/// Named constructors for the Status errors this server returns (apimachinery <c>pkg/api/errors</c>). Every error
/// response comes from here, so reason, code and message shape never drift between endpoints.
/// </summary>
public static class StatusErrors
{
    public static KubernetesStatus BadRequest(string message, params IReadOnlyList<StatusCause> causes) =>
        Failure(400, "BadRequest", message, causes.Count == 0 ? null : new StatusDetails { Causes = causes });

    public static KubernetesStatus Unauthorized(string message) => Failure(401, "Unauthorized", message);

    public static KubernetesStatus Forbidden(string message) => Failure(403, "Forbidden", message);

    /// <summary>A named object of a kind that does not exist, e.g. an unknown metric.</summary>
    public static KubernetesStatus NotFound(string message, string? group, string? kind, string? name) =>
        Failure(404, "NotFound", message, new StatusDetails { Group = group, Kind = kind, Name = name });

    /// <summary>A path this server does not serve.</summary>
    public static KubernetesStatus PathNotFound(string path) =>
        Failure(404, "NotFound", $"the server could not find the requested resource (path {Printable(path)})");

    public static KubernetesStatus MethodNotAllowed(string method, IReadOnlyList<string> allowed) =>
        Failure(405, "MethodNotAllowed",
            $"the server does not allow this method on the requested resource: {Printable(method)} is not one of {string.Join(", ", allowed)}");

    public static KubernetesStatus NotAcceptable(string accept) =>
        Failure(406, "NotAcceptable",
            $"the server cannot respond with any of the media types in the Accept header \"{Printable(accept)}\"; it serves application/json");

    public static KubernetesStatus RequestEntityTooLarge(long limitBytes) =>
        Failure(413, "RequestEntityTooLarge", $"the request body is larger than the limit of {limitBytes} bytes");

    public static KubernetesStatus UnsupportedMediaType(string? contentType, string expected) =>
        Failure(415, "UnsupportedMediaType",
            $"the body must be {expected}, not \"{Printable(contentType ?? "(none)")}\"");

    public static KubernetesStatus InternalError(string message) =>
        Failure(500, "InternalError", $"Internal error occurred: {message}");

    private static KubernetesStatus Failure(int code, string reason, string message, StatusDetails? details = null) => new()
    {
        Status = "Failure",
        Code = code,
        Reason = reason,
        Message = message,
        Details = details,
    };

    /// <summary>Caller-controlled text in a message: bounded and free of control characters.</summary>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        const int Limit = 256;
        var span = text.AsSpan(0, Math.Min(text.Length, Limit));
        var builder = new System.Text.StringBuilder(span.Length + 1);
        foreach (var c in span)
        {
            builder.Append(char.IsControl(c) ? '\uFFFD' : c);
        }

        if (text.Length > Limit)
        {
            builder.Append('…');
        }

        return builder.ToString();
    }
}
