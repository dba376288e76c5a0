using MetricsAdapter.ApiServer.Security;
using MetricsAdapter.ApiServer.Tests.Kubernetes;
using MetricsAdapter.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetricsAdapter.ApiServer.Tests.Security;

/// <summary>The settings source and the ConfigMap watcher, against the fake kube-apiserver through KubernetesClient.</summary>
public sealed class AuthenticationSettingsSourceTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void Merge_FlagsWin_ConfigMapFillsTheRest()
    {
        var flags = new AuthenticationSettings { ClientCa = MetricsAdapter.ApiServer.Serving.CertificateValidation.LoadBundle(_pki.Admin.CaFile) };
        var data = new Dictionary<string, string>
        {
            ["client-ca-file"] = File.ReadAllText(_pki.Stranger.CaFile),
            ["requestheader-client-ca-file"] = File.ReadAllText(_pki.FrontProxy.CaFile),
            ["requestheader-allowed-names"] = "[\"front-proxy-client\"]",
            ["requestheader-username-headers"] = "[\"X-Remote-User\"]",
            ["requestheader-group-headers"] = "[\"X-Remote-Group\"]",
            ["requestheader-extra-headers-prefix"] = "[\"X-Remote-Extra-\"]",
        };

        var merged = AuthenticationSettingsSource.Merge(flags, data);

        Assert.Equal(flags.ClientCa[0].Thumbprint, Assert.Single(merged.ClientCa).Thumbprint);
        Assert.Single(merged.RequestHeaderCa);
        Assert.Equal(["front-proxy-client"], merged.RequestHeaderAllowedNames);
        Assert.Equal(["X-Remote-Extra-"], merged.ExtraHeaderPrefixes);
    }

    [Fact]
    public async Task Watcher_ReadsOnce_ThenAppliesChangesFromTheWatch_AndKeepsSettingsWhenTheServerFails()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        using var connection = kube.Connect();
        using var source = new AuthenticationSettingsSource(new SecurityOptions(), followsConfigMap: true, NullLogger<AuthenticationSettingsSource>.Instance);
        using var watcher = new AuthenticationConfigMapWatcher(connection, source, TimeProvider.System, NullLogger<AuthenticationConfigMapWatcher>.Instance);
        var health = new AuthenticationSettingsHealthCheck(source);

        // Not there yet: not ready, and the flags alone apply.
        await watcher.StartAsync(CancellationToken.None);
        await Eventually.WaitAsync(() => kube.ConfigMapReads > 0, Patience, "a first read");
        Assert.False(source.ConfigMapLoaded);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, (await health.CheckHealthAsync(new())).Status);

        kube.AuthenticationConfigMap = new Dictionary<string, string>
        {
            ["requestheader-client-ca-file"] = File.ReadAllText(_pki.FrontProxy.CaFile),
            ["requestheader-allowed-names"] = "[\"front-proxy-client\"]",
        };
        await Eventually.WaitAsync(() => source.ConfigMapLoaded, Patience, "the ConfigMap to be read");
        Assert.Single(source.Current.RequestHeaderCa);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, (await health.CheckHealthAsync(new())).Status);
        await Eventually.WaitAsync(() => kube.ConfigMapWatches > 0, Patience, "a watch");
        var reads = kube.ConfigMapReads;

        // A rotation: applied from the watch, with no new read.
        var changed = source.GetChangeToken();
        kube.AuthenticationConfigMap = new Dictionary<string, string>
        {
            ["client-ca-file"] = File.ReadAllText(_pki.Admin.CaFile),
            ["requestheader-client-ca-file"] = File.ReadAllText(_pki.FrontProxy.CaFile),
            ["requestheader-allowed-names"] = "[\"front-proxy-client\"]",
        };
        await Eventually.WaitAsync(() => source.Current.ClientCa.Count == 1, Patience, "the change to arrive by the watch");
        Assert.True(changed.HasChanged);
        Assert.Equal(reads, kube.ConfigMapReads);

        // The server ends the watch: it is opened again.
        var watches = kube.ConfigMapWatches;
        kube.CloseWatches();
        await Eventually.WaitAsync(() => kube.ConfigMapWatches > watches, Patience, "the watch to be re-opened");

        // kube-apiserver fails: the settings stay as they were, and the watcher keeps trying.
        kube.Broken = true;
        kube.CloseWatches();
        await Eventually.WaitAsync(() => kube.RefusedWhileBroken >= 2, Patience, "retries while kube-apiserver fails");
        Assert.Single(source.Current.ClientCa);
        Assert.Single(source.Current.RequestHeaderCa);

        // It recovers: the ConfigMap is read afresh and a later change arrives.
        kube.Broken = false;
        await Eventually.WaitAsync(() => kube.ConfigMapReads > reads, Patience, "a fresh read after the failure");
        kube.AuthenticationConfigMap = new Dictionary<string, string> { ["requestheader-client-ca-file"] = File.ReadAllText(_pki.FrontProxy.CaFile) };
        await Eventually.WaitAsync(() => source.Current.ClientCa.Count == 0, Patience, "the change after recovery");
        await watcher.StopAsync(CancellationToken.None);
    }
}
