using k8s;
using MetricsAdapter.ApiServer.Kubernetes;
using MetricsAdapter.ApiServer.Security;
using MetricsAdapter.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.ApiServer.Tests.Kubernetes;

/// <summary>How the connection to kube-apiserver is resolved from the flags, by KubernetesClient, over a real socket.</summary>
public sealed class KubernetesConnectionTests
{
    [Fact]
    public async Task Kubeconfig_WithAnExecCredentialPlugin_ItsTokenReachesTheServer()
    {
        using var work = new TemporaryDirectory();
        var port = LoopbackPorts.Free();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var app = builder.Build();
        var seen = new List<string>();
        app.MapGet("/version", (HttpContext context) =>
        {
            lock (seen)
            {
                seen.Add(context.Request.Headers.Authorization.ToString());
            }

            return Results.Json(new Dictionary<string, string> { ["major"] = "1", ["minor"] = "30", ["gitVersion"] = "v1.30.1" });
        });
        await app.StartAsync();

        // An EKS/GKE-style plugin: prints an ExecCredential with a token.
        var plugin = Path.Combine(work.Path, "credential-plugin.sh");
        await File.WriteAllTextAsync(plugin,
            "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"token-from-plugin\"}}'\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var kubeconfig = Path.Combine(work.Path, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
                server: http://127.0.0.1:{port}
            users:
            - name: plugin-user
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: {plugin}
                  interactiveMode: Never
            contexts:
            - name: test
              context:
                cluster: test
                user: plugin-user
            current-context: test
            """);

        using var connection = KubernetesConnection.FromOptions(new SecurityOptions { Kubeconfig = kubeconfig });
        var version = await connection.Client!.Version.GetCodeAsync();

        Assert.Equal("30", version.Minor);
        Assert.StartsWith($"http://127.0.0.1:{port}", connection.Description, StringComparison.Ordinal);
        Assert.Equal("Bearer token-from-plugin", Assert.Single(seen));
    }

    [Fact]
    public void NoKubeconfig_OutsideACluster_OrDelegationDisabled_IsNoConnection()
    {
        Assert.Null(KubernetesConnection.FromOptions(new SecurityOptions { DisableDelegation = true, Kubeconfig = "/nonexistent" }).Client);
        Assert.Null(KubernetesConnection.FromOptions(new SecurityOptions()).Client);
    }

    [Fact]
    public void UnusableKubeconfig_SaysWhich()
    {
        using var work = new TemporaryDirectory();
        var kubeconfig = Path.Combine(work.Path, "kubeconfig");
        File.WriteAllText(kubeconfig, "apiVersion: v1\nkind: Config\ncurrent-context: nowhere\n");

        var error = Assert.Throws<InvalidOperationException>(() => KubernetesConnection.FromOptions(new SecurityOptions { Kubeconfig = kubeconfig }));

        Assert.Contains("--kubeconfig " + kubeconfig, error.Message, StringComparison.Ordinal);
    }
}
