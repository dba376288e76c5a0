using Microsoft.Extensions.Hosting;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>Checks the flags' CA files for changes every <see cref="SecurityOptions.CaReloadInterval"/>, so a rotated CA needs no restart.</summary>
public sealed class CaFileRefresher(AuthenticationSettingsSource settings, SecurityOptions options, TimeProvider timeProvider) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.ClientCaFile is not { Length: > 0 } && options.RequestHeaderClientCaFile is not { Length: > 0 })
        {
            return;
        }

        using var timer = new PeriodicTimer(options.CaReloadInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                settings.ReloadFilesIfChanged();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
