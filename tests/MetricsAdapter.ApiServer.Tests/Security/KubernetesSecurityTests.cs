using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using MetricsAdapter.ApiServer.Kubernetes;
using MetricsAdapter.ApiServer.Security;
using MetricsAdapter.ApiServer.Tests.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.ApiServer.Tests.Security;

/// <summary>Requests through the security pipeline, with client certificates on the connection as TLS would put them.</summary>
public sealed class KubernetesSecurityTests : IAsyncLifetime, IDisposable
{
    private const string MetricPath = "/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/predicted_load";
    private readonly TestPki _pki = new();
    private FakeKubeApiServer _kube = null!;

    public async Task InitializeAsync() => _kube = await FakeKubeApiServer.StartAsync();

    public async Task DisposeAsync() => await _kube.DisposeAsync();

    public void Dispose() => _pki.Dispose();

    private async Task<WebApplication> StartAsync(SecurityOptions options, bool delegated = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(options with { AuthenticationSkipLookup = true });
        builder.Services.AddSingleton(delegated ? _kube.Connect() : KubernetesConnection.None);
        builder.Services.AddKubernetesSecurity();
        var app = builder.Build();
        app.UseRouting();
        app.UseKubernetesSecurity();
        app.Map("/remote-headers", (HttpContext context) => Results.Text(
            string.Join(',', context.Request.Headers.Keys.Where(k => k.StartsWith("X-Remote-", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal))));
        app.Map("{**path}", (HttpContext context) => Results.Text(
            "user=" + context.Features.Get<IUserFeature>()?.User.Name + " groups=" + string.Join(',', context.Features.Get<IUserFeature>()?.User.Groups ?? [])
            + " remote-user-header=" + context.Request.Headers["X-Remote-User"]));
        await app.StartAsync();
        return app;
    }

    private SecurityOptions Options(bool anonymous = true) => new()
    {
        ClientCaFile = _pki.Admin.CaFile,
        RequestHeaderClientCaFile = _pki.FrontProxy.CaFile,
        RequestHeaderAllowedNames = ["front-proxy-client"],
        AnonymousAuth = anonymous,
    };

    private static async Task<(int Status, string Body)> SendAsync(WebApplication app, string path, X509Certificate2? certificate = null, params (string Name, string Value)[] headers)
    {
        var context = await app.GetTestServer().SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Scheme = "https";
            var query = path.IndexOf('?', StringComparison.Ordinal);
            c.Request.Path = query < 0 ? path : path[..query];
            c.Request.QueryString = query < 0 ? QueryString.Empty : new QueryString(path[query..]);
            c.Connection.ClientCertificate = certificate;
            foreach (var (name, value) in headers)
            {
                c.Request.Headers.Append(name, value);
            }
        });
        using var reader = new StreamReader(context.Response.Body);
        return (context.Response.StatusCode, await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task Anonymous_HealthPath_IsServedWithoutCredentials()
    {
        await using var app = await StartAsync(Options(anonymous: false));

        var (status, _) = await SendAsync(app, "/readyz");

        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Anonymous_MetricPath_IsForbiddenWithKubernetesWording()
    {
        await using var app = await StartAsync(Options());

        var (status, body) = await SendAsync(app, MetricPath);

        Assert.Equal(403, status);
        var message = JsonNode.Parse(body)!["message"]!.GetValue<string>();
        Assert.Equal("predicted_load.external.metrics.k8s.io is forbidden: User \"system:anonymous\" cannot list resource \"predicted_load\" in API group \"external.metrics.k8s.io\" in the namespace \"shop\"", message);
        Assert.Contains("\"reason\":\"Forbidden\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoCredentials_AnonymousDisabled_Is401()
    {
        await using var app = await StartAsync(Options(anonymous: false));

        var (status, body) = await SendAsync(app, MetricPath);

        Assert.Equal(401, status);
        Assert.Contains("\"reason\":\"Unauthorized\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCertificate_InMastersGroup_IsAllowed()
    {
        await using var app = await StartAsync(Options());

        var (status, body) = await SendAsync(app, MetricPath, _pki.Admin.Certificate);

        Assert.Equal(200, status);
        Assert.Equal("user=dev-admin groups=system:masters,system:authenticated remote-user-header=", body);
    }

    [Fact]
    public async Task ClientCertificate_WithoutGrant_IsForbidden()
    {
        await using var app = await StartAsync(Options());

        var (status, body) = await SendAsync(app, MetricPath, _pki.Viewer.Certificate);

        Assert.Equal(403, status);
        Assert.Contains("User \\\"viewer\\\" cannot list", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCertificate_FromUntrustedAuthority_Is401()
    {
        await using var app = await StartAsync(Options());

        var (status, _) = await SendAsync(app, MetricPath, _pki.Stranger.Certificate);

        Assert.Equal(401, status);
    }

    /// <summary>The captured HPA request's identity: the aggregator's front-proxy certificate carrying X-Remote-* headers.</summary>
    [Fact]
    public async Task FrontProxy_WithHeaders_AuthenticatesTheNamedUser_AndStripsTheHeaders()
    {
        await using var app = await StartAsync(Options());

        var (status, body) = await SendAsync(app, MetricPath, _pki.FrontProxy.Certificate,
            ("X-Remote-User", "admin"), ("X-Remote-Group", "system:masters"), ("X-Remote-Extra-Scopes", "a"));

        Assert.Equal(200, status);
        Assert.Equal("user=admin groups=system:masters,system:authenticated remote-user-header=", body);
    }

    [Fact]
    public async Task FrontProxy_CommonNameNotAllowed_Is401()
    {
        await using var app = await StartAsync(Options());

        var (status, _) = await SendAsync(app, MetricPath, _pki.OtherProxyName.Certificate, ("X-Remote-User", "admin"), ("X-Remote-Group", "system:masters"));

        Assert.Equal(401, status);
    }

    [Fact]
    public async Task ProxyHeaders_WithoutProxyCertificate_AreIgnored()
    {
        await using var app = await StartAsync(Options());

        var (status, body) = await SendAsync(app, MetricPath, null, ("X-Remote-User", "admin"), ("X-Remote-Group", "system:masters"));

        Assert.Equal(403, status);
        Assert.Contains("system:anonymous", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyHeaders_WithOrdinaryClientCertificate_AreNotTrusted()
    {
        await using var app = await StartAsync(Options());

        var (status, body) = await SendAsync(app, MetricPath, _pki.Viewer.Certificate, ("X-Remote-User", "admin"), ("X-Remote-Group", "system:masters"));

        Assert.Equal(403, status);
        Assert.Contains("User \\\"viewer\\\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delegated_SubjectAccessReview_DecidesForOrdinaryUsers()
    {
        await using var app = await StartAsync(Options(), delegated: true);

        var allowed = await SendAsync(app, MetricPath, null, ("Authorization", "Bearer alice-token"));
        var deniedNamespace = await SendAsync(app, "/apis/external.metrics.k8s.io/v1beta1/namespaces/other/predicted_load", null, ("Authorization", "Bearer alice-token"));
        var nonResource = await SendAsync(app, "/metrics", _pki.Viewer.Certificate);

        Assert.Equal(200, allowed.Status);
        Assert.Equal("user=alice groups=team-a,system:authenticated remote-user-header=", allowed.Body);
        Assert.Equal(403, deniedNamespace.Status);
        Assert.Contains("no RBAC policy matched", deniedNamespace.Body, StringComparison.Ordinal);
        Assert.Equal(200, nonResource.Status);

        var review = _kube.Reviews.First(r => r["kind"]!.GetValue<string>() == "SubjectAccessReview");
        Assert.Equal("list", review["spec"]!["resourceAttributes"]!["verb"]!.GetValue<string>());
        Assert.Equal("external.metrics.k8s.io", review["spec"]!["resourceAttributes"]!["group"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delegated_AnswersAreCached()
    {
        await using var app = await StartAsync(Options(), delegated: true);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(200, (await SendAsync(app, MetricPath, null, ("Authorization", "Bearer alice-token"))).Status);
        }

        Assert.Single(_kube.Reviews, r => r["kind"]!.GetValue<string>() == "TokenReview");
        Assert.Single(_kube.Reviews, r => r["kind"]!.GetValue<string>() == "SubjectAccessReview");
    }

    [Fact]
    public async Task Delegated_InvalidToken_Is401()
    {
        await using var app = await StartAsync(Options(), delegated: true);

        var (status, _) = await SendAsync(app, MetricPath, null, ("Authorization", "Bearer stolen"));

        Assert.Equal(401, status);
    }

    [Fact]
    public async Task Delegated_KubeApiServerDown_IsAnErrorNeverAnAllow()
    {
        await using var app = await StartAsync(Options(), delegated: true);
        _kube.Broken = true;

        var (status, body) = await SendAsync(app, MetricPath, _pki.Viewer.Certificate);

        Assert.Equal(500, status);
        Assert.Contains("authorization could not be decided", body, StringComparison.Ordinal);
    }

    // The forged cases: each rejected (401) or its headers ignored, as upstream does.
    [Theory]
    [InlineData("expired")]
    [InlineData("not-yet-valid")]
    [InlineData("server-auth-only")]
    [InlineData("front-proxy-as-client")]
    public async Task ForgedClientCertificate_Is401(string which)
    {
        await using var app = await StartAsync(Options());
        var certificate = which switch
        {
            "expired" => _pki.Expired.Certificate,
            "not-yet-valid" => _pki.NotYetValid.Certificate,
            "server-auth-only" => _pki.ServerAuthOnly.Certificate,
            _ => _pki.FrontProxy.Certificate,
        };

        var (status, body) = await SendAsync(app, MetricPath, certificate);

        Assert.Equal(401, status);
        Assert.Contains("\"reason\":\"Unauthorized\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredFrontProxyCertificate_WithHeaders_Is401()
    {
        await using var app = await StartAsync(Options());

        var (status, _) = await SendAsync(app, MetricPath, _pki.ExpiredProxy.Certificate, ("X-Remote-User", "admin"), ("X-Remote-Group", "system:masters"));

        Assert.Equal(401, status);
    }

    [Fact]
    public async Task ProxyHeaders_AlongsideAValidToken_AreIgnored_TheTokenDecides()
    {
        await using var app = await StartAsync(Options(), delegated: true);

        var (status, body) = await SendAsync(app, MetricPath, null,
            ("Authorization", "Bearer alice-token"), ("X-Remote-User", "admin"), ("X-Remote-Group", "system:masters"));

        Assert.Equal(200, status);
        Assert.Equal("user=alice groups=team-a,system:authenticated remote-user-header=", body);
    }

    [Fact]
    public async Task EveryRemoteHeader_IsRemovedAfterAuthentication_ExtrasIncluded()
    {
        await using var app = await StartAsync(Options());

        var (status, body) = await SendAsync(app, "/remote-headers", _pki.FrontProxy.Certificate,
            ("X-Remote-User", "admin"), ("X-Remote-Group", "system:masters"), ("X-Remote-Uid", "u-7"), ("X-Remote-Extra-Scopes", "view"), ("x-remote-extra-reason", "audit"));

        Assert.Equal(200, status);
        Assert.Equal(string.Empty, body);
    }

    [Fact]
    public async Task ClientCa_RotatedLikeASecretVolume_AppliesWithoutRestart_AndDropsCachedResults()
    {
        var volume = SecretVolume.Create(Path.Combine(_pki.Root, "client-ca-volume"), "ca.crt", File.ReadAllText(_pki.Admin.CaFile));
        await using var app = await StartAsync(Options() with { ClientCaFile = volume.File });
        var settings = app.Services.GetRequiredService<AuthenticationSettingsSource>();
        Assert.Equal(200, (await SendAsync(app, MetricPath, _pki.Admin.Certificate)).Status);
        Assert.Equal(200, (await SendAsync(app, MetricPath, _pki.Admin.Certificate)).Status);
        Assert.Equal(401, (await SendAsync(app, MetricPath, _pki.Stranger.Certificate)).Status);
        Assert.False(settings.ReloadFilesIfChanged());

        // The kubelet's rotation: a new directory, then the ..data link swapped; the path we were given never changes.
        volume.Rotate(File.ReadAllText(_pki.Stranger.CaFile));
        Assert.True(settings.ReloadFilesIfChanged());

        Assert.Equal(401, (await SendAsync(app, MetricPath, _pki.Admin.Certificate)).Status);
        Assert.Equal(200, (await SendAsync(app, MetricPath, _pki.Stranger.Certificate)).Status);
    }

    [Fact]
    public async Task FrontProxyCa_RotatedLikeASecretVolume_AppliesWithoutRestart()
    {
        var volume = SecretVolume.Create(Path.Combine(_pki.Root, "proxy-ca-volume"), "ca.crt", File.ReadAllText(_pki.Admin.CaFile));
        await using var app = await StartAsync(Options() with { RequestHeaderClientCaFile = volume.File });
        Assert.Equal(401, (await SendAsync(app, MetricPath, _pki.FrontProxy.Certificate, ("X-Remote-User", "admin"))).Status);

        volume.Rotate(File.ReadAllText(_pki.FrontProxy.CaFile));
        Assert.True(app.Services.GetRequiredService<AuthenticationSettingsSource>().ReloadFilesIfChanged());

        var (status, body) = await SendAsync(app, MetricPath, _pki.FrontProxy.Certificate, ("X-Remote-User", "admin"), ("X-Remote-Group", "system:masters"));
        Assert.Equal(200, status);
        Assert.StartsWith("user=admin ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateValidation_IsCachedPerCertificate_NotRepeatedPerRequest()
    {
        await using var app = await StartAsync(Options());
        var cache = (CertificateValidationResultCache)app.Services.GetRequiredService<Microsoft.AspNetCore.Authentication.Certificate.ICertificateValidationCache>();

        Assert.Equal(200, (await SendAsync(app, MetricPath, _pki.Admin.Certificate)).Status);

        // One result per scheme the certificate went through: the front proxy's (refused) and the client CA's.
        Assert.Equal((2, 0L), (cache.Count, cache.Hits));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(200, (await SendAsync(app, MetricPath, _pki.Admin.Certificate)).Status);
        }

        Assert.Equal((2, 10L), (cache.Count, cache.Hits));
    }

    /// <summary>
    /// A Secret as the kubelet mounts it: <c>file → ..data/file</c>, <c>..data → ..&lt;timestamp&gt;</c>; rotation writes a
    /// new directory and points the <c>..data</c> link at it, so the path the adapter was given, and its link's time, stay.
    /// </summary>
    private sealed class SecretVolume(string root, string name)
    {
        private int _version;

        public string File => Path.Combine(root, name);

        public static SecretVolume Create(string root, string name, string content)
        {
            Directory.CreateDirectory(root);
            var volume = new SecretVolume(root, name);
            volume.Rotate(content);
            System.IO.File.CreateSymbolicLink(volume.File, Path.Combine("..data", name));
            return volume;
        }

        public void Rotate(string content)
        {
            var version = $"..v{++_version}";
            Directory.CreateDirectory(Path.Combine(root, version));
            System.IO.File.WriteAllText(Path.Combine(root, version, name), content);
            var data = new DirectoryInfo(Path.Combine(root, "..data"));
            if (data.LinkTarget is not null)
            {
                data.Delete();
            }

            Directory.CreateSymbolicLink(data.FullName, version);
        }
    }
}
