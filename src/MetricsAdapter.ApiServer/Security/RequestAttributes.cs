using Microsoft.AspNetCore.Http;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>
/// What a request asks to do, in authorization terms (kube's <c>RequestInfoFactory</c>): a verb on a resource in a
/// group/version/namespace, or a verb on a non-resource path such as <c>/metrics</c> or discovery documents.
/// </summary>
public sealed record RequestAttributes(
    string Verb,
    string Path,
    bool IsResourceRequest,
    string? ApiGroup = null,
    string? ApiVersion = null,
    string? Namespace = null,
    string? Resource = null,
    string? Subresource = null,
    string? Name = null)
{
    public static RequestAttributes From(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path.Value ?? "/";
        var nonResource = new RequestAttributes(request.Method.ToLowerInvariant(), path, false);
        var segments = path.Trim('/').Split('/');
        int current;
        string group;
        string version;
        if (segments is ["apis", var g, var v, _, ..])
        {
            (group, version, current) = (g, v, 3);
        }
        else if (segments is ["api", var coreVersion, _, ..])
        {
            (group, version, current) = (string.Empty, coreVersion, 2);
        }
        else
        {
            return nonResource;
        }

        string? @namespace = null;
        if (segments[current] == "namespaces" && segments.Length > current + 2)
        {
            @namespace = segments[current + 1];
            current += 2;
        }
        else if (segments[current] == "namespaces" && segments.Length == current + 2)
        {
            return ForResource(request, group, version, null, "namespaces", null, segments[current + 1]);
        }

        var resource = segments[current].ToLowerInvariant();
        var name = segments.Length > current + 1 ? segments[current + 1] : null;
        var subresource = segments.Length > current + 2 ? segments[current + 2] : null;
        return ForResource(request, group, version, @namespace, resource, subresource, name);
    }

    private static RequestAttributes ForResource(HttpRequest request, string group, string version, string? @namespace, string resource, string? subresource, string? name)
    {
        var watch = request.Query.TryGetValue("watch", out var w) && w.ToString() is "true" or "1";
        var verb = request.Method.ToUpperInvariant() switch
        {
            "GET" or "HEAD" when watch => "watch",
            "GET" or "HEAD" => name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => name is null ? "deletecollection" : "delete",
            var other => other.ToLowerInvariant(),
        };
        return new RequestAttributes(verb, request.Path.Value ?? "/", true, group, version, @namespace, resource, subresource, name);
    }

    /// <summary>The action in the API server's forbidden-message wording.</summary>
    public string Describe()
    {
        if (!IsResourceRequest)
        {
            return $"{Verb} path \"{Path}\"";
        }

        var target = Subresource is null ? $"resource \"{Resource}\"" : $"resource \"{Resource}/{Subresource}\"";
        var scope = Namespace is null ? "at the cluster scope" : $"in the namespace \"{Namespace}\"";
        return $"{Verb} {target} in API group \"{ApiGroup}\" {scope}";
    }
}
