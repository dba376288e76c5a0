using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetricsAdapter.ExternalMetrics.Http;
using MetricsAdapter.ExternalMetrics.Provider;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace MetricsAdapter.ExternalMetrics.OpenApi;

/// <summary>
/// <c>/openapi/v2</c> (Swagger 2.0) and <c>/openapi/v3</c> (root + group-version document) describing exactly what
/// we serve, for the aggregator's OpenAPI merge and for <c>kubectl explain</c>-style tooling. Documents are
/// rebuilt only when the served metric set changes, carry a strong ETag, and answer <c>If-None-Match</c> with 304.
/// </summary>
public static class ExternalMetricsOpenApi
{
    public const string V2Path = "/openapi/v2";
    public const string V3RootPath = "/openapi/v3";
    public const string V3GroupVersionPath = "/openapi/v3/apis/" + ExternalMetricsApi.GroupVersion;

    private static readonly string[] Query = ["pretty", "timeout", "hash"];
    private static readonly JsonSerializerOptions WireOptions = ApiServer.Json.ApiMachineryJsonContext.WireOptions(indented: false);

    public static IEndpointRouteBuilder MapExternalMetricsOpenApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.Map(V2Path, context => Serve(context, static docs => docs.V2)).WithDisplayName("openapi v2");
        endpoints.Map(V3RootPath, context => Serve(context, static docs => docs.V3Root)).WithDisplayName("openapi v3 root");
        endpoints.Map(V3GroupVersionPath, context => Serve(context, static docs => docs.V3GroupVersion)).WithDisplayName("openapi v3 group version");
        return endpoints;
    }

    private static Task Serve(HttpContext context, Func<Documents, Document> select)
    {
        if (ExternalMetricsEndpoints.ValidateReadRequest(context.Request, Query, out _) is { } invalid)
        {
            return ApiServer.Status.StatusResponses.WriteStatusAsync(context.Response, invalid);
        }

        var provider = context.RequestServices.GetRequiredService<IExternalMetricsProvider>();
        var document = select(context.RequestServices.GetRequiredService<OpenApiDocumentCache>().For(provider.ListAllExternalMetrics()));
        var response = context.Response;
        response.Headers.ETag = document.ETag;
        response.Headers.Vary = "Accept";
        response.Headers.CacheControl = context.Request.Query.ContainsKey("hash") ? "public, immutable" : "no-cache, private";
        if (context.Request.Headers.IfNoneMatch.Any(tag => string.Equals(tag, document.ETag, StringComparison.Ordinal)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = document.Body.Length;
        return response.Body.WriteAsync(document.Body, context.RequestAborted).AsTask();
    }

    internal sealed record Document(byte[] Body, string ETag)
    {
        public static Document From(JsonNode node)
        {
            var body = System.Text.Encoding.UTF8.GetBytes(node.ToJsonString(WireOptions));
            return new Document(body, "\"" + Convert.ToHexString(SHA256.HashData(body))[..32] + "\"");
        }

        public string Hash => ETag.Trim('"');
    }

    internal sealed record Documents(Document V2, Document V3Root, Document V3GroupVersion)
    {
        public static Documents Build(IReadOnlyList<ExternalMetricInfo> metrics)
        {
            var v2 = Document.From(OpenApiSchemas.SwaggerV2(metrics));
            var v3GroupVersion = Document.From(OpenApiSchemas.OpenApiV3(metrics));
            var root = new JsonObject
            {
                ["paths"] = new JsonObject
                {
                    ["apis/" + ExternalMetricsApi.GroupVersion] = new JsonObject
                    {
                        ["serverRelativeURL"] = $"{V3GroupVersionPath}?hash={v3GroupVersion.Hash}",
                    },
                },
            };
            return new Documents(v2, Document.From(root), v3GroupVersion);
        }
    }
}
