using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using MetricsAdapter.ApiServer.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.ApiServer.Tests.Kubernetes;

/// <summary>
/// A stand-in kube-apiserver answering the calls we make, recording what it was asked: TokenReview, SubjectAccessReview,
/// reading and watching the authentication ConfigMap, and /version. Its RBAC: alice (token "alice-token") may list
/// predicted_load in namespace shop; anyone in group team-b may get /metrics. KubernetesClient reaches it in memory
/// through <see cref="Connect"/>.
/// </summary>
internal sealed class FakeKubeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<System.Threading.Channels.Channel<string>> _watchers = [];
    private IDictionary<string, string>? _configMap;
    private int _resourceVersion = 100;

    private FakeKubeApiServer(WebApplication app) => _app = app;

    public List<JsonNode> Reviews { get; } = [];

    /// <summary>Reads of the ConfigMap (not counting watches).</summary>
    public int ConfigMapReads { get; private set; }

    /// <summary>Watches opened on the ConfigMap.</summary>
    public int ConfigMapWatches { get; private set; }

    /// <summary>The Authorization header of the last request.</summary>
    public string? LastAuthorization { get; private set; }

    /// <summary>What /version answers, as "major.minor".</summary>
    public string ServerVersion { get; set; } = "1.30";

    /// <summary>The ConfigMap's data; setting it sends a MODIFIED (or ADDED) event to every open watch.</summary>
    public IDictionary<string, string>? AuthenticationConfigMap
    {
        get => _configMap;
        set
        {
            var added = _configMap is null;
            _configMap = value;
            _resourceVersion++;
            if (value is not null)
            {
                var line = new JsonObject { ["type"] = added ? "ADDED" : "MODIFIED", ["object"] = ConfigMapJson() }.ToJsonString() + "\n";
                lock (_watchers)
                {
                    foreach (var watcher in _watchers)
                    {
                        watcher.Writer.TryWrite(line);
                    }
                }
            }
        }
    }

    public bool Broken { get; set; }

    /// <summary>Requests refused because <see cref="Broken"/> was set.</summary>
    public int RefusedWhileBroken { get; private set; }

    public HttpMessageHandler CreateHandler() => _app.GetTestServer().CreateHandler();

    /// <summary>A KubernetesClient connection to this server, bearing <paramref name="token"/>.</summary>
    public KubernetesConnection Connect(string token = "adapter-token") =>
        KubernetesConnection.Create(new KubernetesClientConfiguration { Host = "http://kube", AccessToken = token }, new ForwardingHandler(CreateHandler()));

    public static async Task<FakeKubeApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeKubeApiServer(app);
        app.Use(async (context, next) =>
        {
            fake.LastAuthorization = context.Request.Headers.Authorization.ToString();
            if (fake.Broken)
            {
                fake.RefusedWhileBroken++;
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
            fake.ConfigMapReads++;
            if (fake._configMap is null)
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsJsonAsync(new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["reason"] = "NotFound", ["code"] = 404 });
                return;
            }

            await context.Response.WriteAsJsonAsync(fake.ConfigMapJson());
        });
        app.MapGet("/api/v1/namespaces/kube-system/configmaps", async context =>
        {
            if (context.Request.Query["watch"] != "true" || context.Request.Query["fieldSelector"] != "metadata.name=extension-apiserver-authentication")
            {
                context.Response.StatusCode = 400;
                return;
            }

            fake.ConfigMapWatches++;
            var channel = System.Threading.Channels.Channel.CreateUnbounded<string>();
            lock (fake._watchers)
            {
                fake._watchers.Add(channel);
            }

            try
            {
                context.Response.ContentType = "application/json";
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await foreach (var line in channel.Reader.ReadAllAsync(context.RequestAborted))
                {
                    await context.Response.WriteAsync(line, context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
                // The client went away.
            }
            finally
            {
                lock (fake._watchers)
                {
                    fake._watchers.Remove(channel);
                }
            }
        });
        app.MapGet("/version", () => fake.VersionJson());
        app.MapGet("/version/", () => fake.VersionJson());
        await app.StartAsync();
        return fake;
    }

    /// <summary>Ends every open watch, as kube-apiserver does when a watch times out.</summary>
    public void CloseWatches()
    {
        lock (_watchers)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }
        }
    }

    private JsonObject ConfigMapJson()
    {
        var data = new JsonObject();
        foreach (var (key, value) in _configMap ?? new Dictionary<string, string>())
        {
            data[key] = value;
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "extension-apiserver-authentication", ["namespace"] = "kube-system", ["resourceVersion"] = _resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ["data"] = data,
        };
    }

    private JsonObject VersionJson()
    {
        var parts = ServerVersion.Split('.');
        return new JsonObject { ["major"] = parts[0], ["minor"] = parts[1], ["gitVersion"] = $"v{ServerVersion}.0", ["platform"] = "linux/amd64" };
    }

    public async ValueTask DisposeAsync()
    {
        CloseWatches();
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

/// <summary>Sends KubernetesClient's requests to an in-memory server instead of the network (the client always adds its own socket handler last).</summary>
internal sealed class ForwardingHandler(HttpMessageHandler target) : DelegatingHandler
{
    private readonly HttpMessageInvoker _invoker = new(target, disposeHandler: false);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => _invoker.SendAsync(request, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _invoker.Dispose();
        }

        base.Dispose(disposing);
    }
}
