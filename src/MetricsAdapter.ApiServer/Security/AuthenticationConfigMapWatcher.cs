using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MetricsAdapter.ApiServer.Kubernetes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>
/// Follows <c>kube-system/extension-apiserver-authentication</c> into <see cref="AuthenticationSettingsSource"/>: a
/// read, then a watch from that version, so a rotated CA applies within seconds. The watch is re-opened when the
/// server closes it, the ConfigMap is read afresh when the watch expires or fails, and at least every
/// <see cref="RelistEvery"/> as a safety net. Failures back off from 1 to 30 seconds and leave the settings as they were.
/// </summary>
public sealed partial class AuthenticationConfigMapWatcher(
    KubernetesConnection connection,
    AuthenticationSettingsSource settings,
    TimeProvider timeProvider,
    ILogger<AuthenticationConfigMapWatcher> logger) : BackgroundService
{
    public static readonly TimeSpan RelistEvery = TimeSpan.FromMinutes(10);

    private const string Namespace = AuthenticationSettingsSource.ConfigMapNamespace;
    private const string Name = AuthenticationSettingsSource.ConfigMapName;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (connection.Client is not { } client || !settings.FollowsConfigMap)
        {
            return;
        }

        var backOff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var version = await ReadAsync(client, stoppingToken);
                backOff = TimeSpan.FromSeconds(1);
                using var due = new CancellationTokenSource(RelistEvery, timeProvider);
                using var relist = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, due.Token);
                await WatchAsync(client, version, relist.Token);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is JsonException or System.Security.Cryptography.CryptographicException
                || KubernetesFailures.IsCallFailure(exception, stoppingToken))
            {
                LogFailed(logger, Namespace, Name, KubernetesFailures.Describe(exception), backOff);
                await Task.Delay(backOff, timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backOff = TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    /// <summary>Reads the ConfigMap and applies it; its resource version, to watch from.</summary>
    private async Task<string?> ReadAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        V1ConfigMap configMap;
        try
        {
            configMap = await client.CoreV1.ReadNamespacedConfigMapAsync(Name, Namespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            throw new k8s.KubernetesException(new V1Status { Code = 404, Message = $"ConfigMap {Namespace}/{Name} does not exist" });
        }

        settings.ApplyConfigMap(configMap.Data?.AsReadOnly() ?? (IReadOnlyDictionary<string, string>)new Dictionary<string, string>());
        return configMap.Metadata?.ResourceVersion;
    }

    /// <summary>Applies every change until the watch ends (closed by the server, expired, or the re-list is due).</summary>
    private async Task WatchAsync(IKubernetes client, string? version, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Exception? failure = null;
            var opened = timeProvider.GetUtcNow();
            try
            {
                await foreach (var (type, configMap) in client.CoreV1.WatchListNamespacedConfigMapAsync(
                    Namespace, fieldSelector: $"metadata.name={Name}", resourceVersion: version, allowWatchBookmarks: true,
                    timeoutSeconds: (int)RelistEvery.TotalSeconds, onError: error => failure ??= error, cancellationToken: cancellationToken))
                {
                    version = configMap?.Metadata?.ResourceVersion ?? version;
                    if (type is WatchEventType.Added or WatchEventType.Modified && configMap is not null)
                    {
                        settings.ApplyConfigMap(configMap.Data?.AsReadOnly() ?? (IReadOnlyDictionary<string, string>)new Dictionary<string, string>());
                        LogChanged(logger, Namespace, Name, version);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            // The client reports a watch's errors (410 Gone, a bad event) through onError, then ends the stream.
            if (failure is not null)
            {
                throw failure is k8s.KubernetesException or JsonException ? failure : new k8s.KubernetesException(failure.Message, failure);
            }

            // A server (or a proxy) that ends watches at once must not be asked again in a tight loop.
            if (timeProvider.GetUtcNow() - opened < TimeSpan.FromSeconds(1))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), timeProvider, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Could not follow {Namespace}/{Name}: {Reason}; keeping the current authentication settings, retrying in {BackOff}")]
    private static partial void LogFailed(ILogger logger, string @namespace, string name, string reason, TimeSpan backOff);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Information, Message = "{Namespace}/{Name} changed (resource version {Version}): authentication settings updated")]
    private static partial void LogChanged(ILogger logger, string @namespace, string name, string? version);
}
