using MetricsAdapter.ApiServer.Kubernetes;
using MetricsAdapter.ApiServer.Security;
using MetricsAdapter.ApiServer.Tests.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetricsAdapter.ApiServer.Tests.Security;

public sealed class ClusterAuthenticationSettingsSourceTests : IDisposable
{
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

        var merged = ClusterAuthenticationSettingsSource.Merge(flags, data);

        Assert.Equal(flags.ClientCa[0].Thumbprint, Assert.Single(merged.ClientCa).Thumbprint);
        Assert.Single(merged.RequestHeaderCa);
        Assert.Equal(["front-proxy-client"], merged.RequestHeaderAllowedNames);
        Assert.Equal(["X-Remote-Extra-"], merged.ExtraHeaderPrefixes);
    }

    [Fact]
    public async Task Refresh_ReadsTheConfigMap_AndKeepsOldSettingsWhenItFails()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        using var client = new KubernetesApiClient(new KubernetesClientConfig { Server = new Uri("http://kube") }, TimeProvider.System, kube.CreateHandler());
        var source = new ClusterAuthenticationSettingsSource(client, AuthenticationSettings.None, NullLogger<ClusterAuthenticationSettingsSource>.Instance);

        Assert.False(await source.RefreshAsync(CancellationToken.None));
        Assert.False(source.Loaded);

        kube.AuthenticationConfigMap = new Dictionary<string, string>
        {
            ["requestheader-client-ca-file"] = File.ReadAllText(_pki.FrontProxy.CaFile),
            ["requestheader-allowed-names"] = "[]",
        };
        Assert.True(await source.RefreshAsync(CancellationToken.None));
        Assert.True(source.Loaded);
        Assert.Single(source.Current.RequestHeaderCa);

        kube.Broken = true;
        Assert.False(await source.RefreshAsync(CancellationToken.None));
        Assert.Single(source.Current.RequestHeaderCa);
    }
}
