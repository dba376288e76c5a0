using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.ExternalMetrics.Store;

/// <summary>Drops expired series every <see cref="SeriesStoreOptions.SweepInterval"/>, so memory follows live series.</summary>
public sealed partial class SeriesStoreSweeper(
    InMemorySeriesStore store,
    IOptions<SeriesStoreOptions> options,
    TimeProvider timeProvider,
    ILogger<SeriesStoreSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var evicted = store.EvictExpired();
                if (evicted > 0)
                {
                    LogEvicted(logger, evicted, options.Value.StaleAfter, store.SeriesCount);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information,
        Message = "Dropped {Evicted} series with no value for {StaleAfter}; {Live} series remain")]
    private static partial void LogEvicted(ILogger logger, int evicted, TimeSpan staleAfter, int live);
}
