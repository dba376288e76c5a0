using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.ApiServer.Tests.Kubernetes;

/// <summary>
/// A stand-in kube-apiserver answering the three calls we make, recording what it was asked. Its RBAC: alice
/// (token "alice-token") may list predicted_load in namespace shop; anyone in group team-b may get /metrics.
/// </summary>
internal sealed class FakeKubeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeKubeApiServer(WebApplication app) => _app = app;

    public List<JsonNode> Reviews { get; } = [];

    public IDictionary<string, string>? AuthenticationConfigMap { get; set; }

    public bool Broken { get; set; }

    public HttpMessageHandler CreateHandler() => _app.GetTestServer().CreateHandler();

    public static async Task<FakeKubeApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeKubeApiServer(app);
        app.Use(async (context, next) =>
        {
            if (fake.Broken)
            {
                context.Response.StatusCode = 503;
                await context.Response.WriteAsync("etcdserver: request timed out");
                return;
            }

            await next(context);
        });
        app.MapPost("/apis/authentication.k8s.io/v1/tokenreviews", async context =>
        {
            var review = await fake.ReadAsync(context);
            var token = review["spec"]!["token"]!.GetValue<string>();
            review["status"] = token == "alice-token"
                ? new JsonObject { ["authenticated"] = true, ["user"] = new JsonObject { ["username"] = "alice", ["uid"] = "u-1", ["groups"] = new JsonArray("team-a") } }
                : new JsonObject { ["authenticated"] = false, ["error"] = "token expired" };
            await context.Response.WriteAsJsonAsync(review);
        });
        app.MapPost("/apis/authorization.k8s.io/v1/subjectaccessreviews", async context =>
        {
            var review = await fake.ReadAsync(context);
            var spec = review["spec"]!;
            var user = spec["user"]!.GetValue<string>();
            var groups = spec["groups"]!.AsArray().Select(g => g!.GetValue<string>()).ToList();
            var resource = spec["resourceAttributes"];
            var path = spec["nonResourceAttributes"]?["path"]?.GetValue<string>();
            var allowed = (user == "alice" && resource?["resource"]?.GetValue<string>() == "predicted_load"
                    && resource["namespace"]?.GetValue<string>() == "shop" && resource["verb"]?.GetValue<string>() == "list")
                || (groups.Contains("team-b") && path == "/metrics");
            review["status"] = new JsonObject { ["allowed"] = allowed, ["reason"] = allowed ? "RBAC: allowed" : "no RBAC policy matched" };
            await context.Response.WriteAsJsonAsync(review);
        });
        app.MapGet("/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication", async context =>
        {
            if (fake.AuthenticationConfigMap is null)
            {
                context.Response.StatusCode = 404;
                return;
            }

            var data = new JsonObject();
            foreach (var (key, value) in fake.AuthenticationConfigMap)
            {
                data[key] = value;
            }

            await context.Response.WriteAsJsonAsync(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["data"] = data });
        });
        await app.StartAsync();
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<JsonNode> ReadAsync(HttpContext context)
    {
        var node = (await JsonSerializer.DeserializeAsync<JsonNode>(context.Request.Body))!;
        lock (Reviews)
        {
            Reviews.Add(node.DeepClone());
        }

        return node;
    }
}
