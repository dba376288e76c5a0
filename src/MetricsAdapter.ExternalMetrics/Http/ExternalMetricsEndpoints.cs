using System.Text.Json.Serialization.Metadata;
using MetricsAdapter.ApiServer.Discovery;
using MetricsAdapter.ApiServer.Json;
using MetricsAdapter.ApiServer.Requests;
using MetricsAdapter.ApiServer.Status;
using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Validation;
using MetricsAdapter.ExternalMetrics.OpenApi;
using MetricsAdapter.ExternalMetrics.Provider;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MetricsAdapter.ExternalMetrics.Http;

/// <summary>
/// The HTTP translation of <see cref="IExternalMetricsProvider"/>: discovery, the namespaced list, OpenAPI.
/// Every handler validates, asks the provider, and writes JSON or a Status; nothing else.
/// </summary>
public static class ExternalMetricsEndpoints
{
    public const string ListRoute = ExternalMetricsApi.GroupVersionPath + "/namespaces/{namespace}/{metric}";

    private static readonly string[] ListQuery = ["labelSelector", "pretty", "timeout"];
    private static readonly string[] DocumentQuery = ["pretty", "timeout"];
    private static readonly string[] Verbs = ["get"];

    private static readonly GroupVersionForDiscovery PreferredVersion = new(ExternalMetricsApi.GroupVersion, ExternalMetricsApi.Version);
    private static readonly ApiGroup Group = new(ExternalMetricsApi.Group, [PreferredVersion], PreferredVersion);

    /// <summary>What the endpoints share across requests: parsed selectors and built OpenAPI documents, one of each per host.</summary>
    public static IServiceCollection AddExternalMetricsEndpoints(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<LabelSelectorCache>();
        services.TryAddSingleton<OpenApiDocumentCache>();
        return services;
    }

    /// <summary>Maps discovery, the metric list route, and the OpenAPI documents (services: <see cref="AddExternalMetricsEndpoints"/>).</summary>
    public static IEndpointRouteBuilder MapExternalMetricsApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.Map("/apis", ServeGroupList).WithDisplayName("discovery: group list");
        endpoints.Map(ExternalMetricsApi.GroupPath, ServeGroup).WithDisplayName("discovery: group");
        endpoints.Map(ExternalMetricsApi.GroupVersionPath, ServeResourceList).WithDisplayName("discovery: resources");
        endpoints.Map(ListRoute, ServeMetricValues).WithDisplayName("external metric values");
        endpoints.Map(ExternalMetricsApi.GroupVersionPath + "/{**rest}", ServeUnservedGroupPath).WithDisplayName("external metrics: unserved path");
        endpoints.MapExternalMetricsOpenApi();
        return endpoints;
    }

    private static Task ServeGroupList(HttpContext context) =>
        ServeDocument(context, new ApiGroupList([Group]), ApiMachineryJsonContext.Wire.ApiGroupList);

    private static Task ServeGroup(HttpContext context) =>
        ServeDocument(context, Group with { Kind = "APIGroup", ApiVersion = "v1" }, ApiMachineryJsonContext.Wire.ApiGroup);

    private static Task ServeResourceList(HttpContext context)
    {
        var provider = context.RequestServices.GetRequiredService<IExternalMetricsProvider>();
        var resources = provider.ListAllExternalMetrics()
            .Select(metric => new ApiResource(metric.Name, string.Empty, true, ExternalMetricsApi.ListKind, Verbs))
            .ToArray();
        return ServeDocument(context, new ApiResourceList(ExternalMetricsApi.GroupVersion, resources), ApiMachineryJsonContext.Wire.ApiResourceList);
    }

    private static Task ServeUnservedGroupPath(HttpContext context) =>
        context.Response.WriteStatusAsync(StatusErrors.PathNotFound(context.Request.Path.Value ?? string.Empty) with
        {
            Message = $"the server could not find the requested resource (path {StatusErrors.Printable(context.Request.Path.Value ?? string.Empty)}); "
                + $"external metrics are namespaced: GET {ExternalMetricsApi.GroupVersionPath}/namespaces/<namespace>/<metric>?labelSelector=<selector>",
        });

    private static async Task ServeMetricValues(HttpContext context)
    {
        var request = context.Request;
        if (ValidateReadRequest(request, ListQuery, out var pretty) is { } invalid)
        {
            await context.Response.WriteStatusAsync(invalid);
            return;
        }

        var @namespace = (string)request.RouteValues["namespace"]!;
        var metric = (string)request.RouteValues["metric"]!;
        if (KubernetesNames.ValidateDns1123Label(@namespace) is { } namespaceError)
        {
            await context.Response.WriteStatusAsync(ExternalMetricsErrors.InvalidNamespace(@namespace, namespaceError));
            return;
        }

        var selectorText = request.Query["labelSelector"].ToString();
        if (!context.RequestServices.GetRequiredService<LabelSelectorCache>().TryParse(selectorText, out var selector, out var selectorError))
        {
            await context.Response.WriteStatusAsync(ExternalMetricsErrors.InvalidSelector(selectorError));
            return;
        }

        var provider = context.RequestServices.GetRequiredService<IExternalMetricsProvider>();
        var result = await provider.GetExternalMetricAsync(@namespace, selector, metric, context.RequestAborted);
        if (!result.IsMetricKnown)
        {
            await context.Response.WriteStatusAsync(ExternalMetricsErrors.MetricNotFound(metric, @namespace, provider.ListAllExternalMetrics()));
            return;
        }

        var items = new ExternalMetricValue[result.Items.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var sample = result.Items[i];
            items[i] = new ExternalMetricValue(
                sample.MetricName,
                sample.Labels,
                sample.Timestamp,
                sample.Window is { } window ? (long)window.TotalSeconds : null,
                sample.Value);
        }

        var jsonContext = pretty ? ExternalMetricsJsonContext.Indented : ExternalMetricsJsonContext.Wire;
        await WriteJsonAsync(context.Response, new ExternalMetricValueList(items), jsonContext.ExternalMetricValueList);
    }

    private static Task ServeDocument<T>(HttpContext context, T document, JsonTypeInfo<T> typeInfo)
    {
        if (ValidateReadRequest(context.Request, DocumentQuery, out _) is { } invalid)
        {
            return context.Response.WriteStatusAsync(invalid);
        }

        return WriteJsonAsync(context.Response, document, typeInfo);
    }

    /// <summary>The shared checks of a read: method, Accept, query parameters and their values (<c>?pretty</c> read once).</summary>
    internal static KubernetesStatus? ValidateReadRequest(HttpRequest request, IReadOnlyCollection<string> allowedQuery, out bool pretty)
    {
        pretty = false;
        return KubernetesRequests.RequireGet(request)
            ?? KubernetesRequests.RequireKnownQuery(request, allowedQuery)
            ?? KubernetesRequests.RequireJsonAcceptable(request)
            ?? (KubernetesRequests.TryReadPretty(request, out pretty, out var prettyError) ? null : prettyError)
            ?? (KubernetesRequests.TryReadTimeout(request, out _, out var timeoutError) ? null : timeoutError);
    }

    private static Task WriteJsonAsync<T>(HttpResponse response, T value, JsonTypeInfo<T> typeInfo)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.CacheControl = "no-cache, private";
        return response.WriteAsJsonAsync(value, typeInfo, "application/json", response.HttpContext.RequestAborted);
    }
}
