using k8s;
using MetricsAdapter.ApiServer.Kubernetes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.Injection.Policy;

/// <summary>
/// Asks kube-apiserver for its version (<c>/version</c>) at start and every <see cref="Every"/>, for
/// <c>--native-sidecars auto</c>: native sidecars from 1.29, regular containers before. Runs only in auto mode without
/// a configured <c>--cluster-version</c> and with a connection; a failed ask is retried after 30 seconds and leaves
/// the last answer in place.
/// </summary>
public sealed partial class ClusterVersionRefresher(
    KubernetesConnection connection,
    ClusterVersionSource cluster,
    InjectionOptions options,
    TimeProvider timeProvider,
    ILogger<ClusterVersionRefresher> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (connection.Client is not { } client || !options.FollowsClusterVersion)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = Every;
            try
            {
                await RefreshAsync(client, stoppingToken);
            }
            catch (Exception exception) when (KubernetesFailures.IsCallFailure(exception, stoppingToken))
            {
                LogFailed(logger, KubernetesFailures.Describe(exception), cluster.Discovered?.ToString() ?? "unknown");
                wait = TimeSpan.FromSeconds(30);
            }

            await Task.Delay(wait, timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Asks once and records the answer.</summary>
    public async Task RefreshAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var info = await client.Version.GetCodeAsync(cancellationToken);

        // Managed clusters report minors such as "31+"; the git version (v1.31.2-eks-...) is the fallback.
        var text = $"{info.Major}.{new string((info.Minor ?? string.Empty).TakeWhile(char.IsAsciiDigit).ToArray())}";
        if (!InjectionOptions.TryParseVersion(text, out var version) && !InjectionOptions.TryParseVersion(info.GitVersion, out version))
        {
            LogUnreadable(logger, info.Major, info.Minor, info.GitVersion);
            return;
        }

        if (version != cluster.Discovered)
        {
            cluster.Discovered = version;
            var native = options.UsesNativeSidecars(version);
            LogDiscovered(logger, info.GitVersion ?? text, native);
        }
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Information, Message = "kube-apiserver reports {Version}: the sidecar is injected as a native sidecar: {Native}")]
    private static partial void LogDiscovered(ILogger logger, string version, bool native);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Warning, Message = "Could not read the cluster version: {Reason}; still using {Version}")]
    private static partial void LogFailed(ILogger logger, string reason, string version);

    [LoggerMessage(EventId = 2303, Level = LogLevel.Warning, Message = "kube-apiserver reported a version we cannot read (major {Major}, minor {Minor}, {GitVersion})")]
    private static partial void LogUnreadable(ILogger logger, string? major, string? minor, string? gitVersion);
}
