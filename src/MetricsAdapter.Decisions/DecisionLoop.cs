using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Series;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.Decisions;

/// <summary>
/// Runs the decision manager: the observation source on its own thread, and on every tick decide → record in the
/// audit trail → serve what was recorded. Restores the snapshot at start, writes one periodically and at stop.
/// </summary>
public sealed partial class DecisionLoop(
    DecisionManager manager,
    IObservationSource source,
    IAuditSink audit,
    ISeriesWriter writer,
    DecisionSnapshots snapshots,
    TimeProvider timeProvider,
    ILogger<DecisionLoop> logger) : BackgroundService
{
    private DateTimeOffset _nextSnapshot;
    private DateTimeOffset _nextQuietWarning;
    private long _recorded;

    /// <summary>Decisions recorded in the audit trail (and so served) since start.</summary>
    public long Recorded => Interlocked.Read(ref _recorded);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        snapshots.Restore(manager);
        var options = manager.Options;
        LogStarted(logger, source.Description, options.Tick, options.Horizon, options.ModelStep);
        var sourceTask = Task.Factory.StartNew(
            () => source.RunAsync(manager, stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        var now = timeProvider.GetUtcNow();
        _nextSnapshot = now + options.SnapshotInterval;
        _nextQuietWarning = manager.StartedAt + options.QuietWarningAfter;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var next = manager.NextTick(now);
                var wait = next - timeProvider.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, timeProvider, stoppingToken);
                }

                try
                {
                    await DecideAsync(next, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    throw;
                }
#pragma warning disable CA1031 // A fault in one tick is a bug to log, not a reason to stop serving: the next tick runs.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    LogTickFailed(logger, next, exception);
                }

                now = timeProvider.GetUtcNow();
                if (now - next >= options.Tick)
                {
                    LogOverran(logger, next, now - next, options.Tick);
                }

                if (now >= _nextSnapshot)
                {
                    snapshots.Save(manager);
                    _nextSnapshot = now + options.SnapshotInterval;
                }

                WarnIfQuiet(now);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            snapshots.Save(manager);
            LogStopped(logger, Recorded, manager.LastTick);
            try
            {
                await sourceTask;
            }
            catch (OperationCanceledException)
            {
                // The source stops with the token.
            }
        }
    }

    /// <summary>One tick: decide every service, record the decisions, then serve exactly those recorded.</summary>
    public async Task DecideAsync(DateTimeOffset tick, CancellationToken cancellationToken)
    {
        var decisions = manager.Tick(tick);
        if (decisions.Count == 0)
        {
            return;
        }

        var recorded = await audit.RecordAsync(decisions, cancellationToken);
        Interlocked.Add(ref _recorded, recorded);
        for (var i = 0; i < recorded; i++)
        {
            var decision = decisions[i];
            if (decision.Value is { } value)
            {
                writer.Write(new SeriesPoint(decision.Key.Metric, decision.Key.Service.Namespace, decision.Labels, value, decision.Tick, manager.Options.Tick));
            }
            else
            {
                writer.Withdraw(decision.Key.Metric, decision.Key.Service.Namespace, decision.Labels);
            }
        }

        manager.Served(recorded == decisions.Count ? decisions : [.. decisions.Take(recorded)], timeProvider.GetUtcNow());
        if (recorded < decisions.Count)
        {
            manager.Withheld(decisions.Skip(recorded));
            LogWithheld(logger, decisions.Count - recorded, decisions.Count, tick);
        }
    }

    private void WarnIfQuiet(DateTimeOffset now)
    {
        if (now < _nextQuietWarning)
        {
            return;
        }

        _nextQuietWarning = now + manager.Options.QuietWarningAfter;
        if (manager.LastObservation is not { } last)
        {
            LogNoObservations(logger, source.Description, now - manager.StartedAt);
        }
        else if (now - last > manager.Options.StaleAfter)
        {
            LogObservationsStopped(logger, source.Description, now - last, manager.ServiceCount);
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information,
        Message = "Decision manager reading observations from {Source}; deciding every {Tick}, forecasting {Horizon} ahead in steps of {Step}")]
    private static partial void LogStarted(ILogger logger, string source, TimeSpan tick, TimeSpan horizon, TimeSpan step);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error,
        Message = "Withheld {Withheld} of {Total} decisions of tick {Tick}: the audit trail could not record them, so they are not served (series age out and the HPA holds)")]
    private static partial void LogWithheld(ILogger logger, int withheld, int total, DateTimeOffset tick);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning,
        Message = "No observations received from {Source} in {Elapsed} since start: nothing is decided or served until predictor sidecars publish observations")]
    private static partial void LogNoObservations(ILogger logger, string source, TimeSpan elapsed);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning,
        Message = "No observation from {Source} for {Elapsed}: the values of {Services} services are fallbacks, then withdrawn")]
    private static partial void LogObservationsStopped(ILogger logger, string source, TimeSpan elapsed, int services);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Error, Message = "Tick {Tick} failed; values already served stay until they age out, the next tick runs as usual")]
    private static partial void LogTickFailed(ILogger logger, DateTimeOffset tick, Exception exception);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "Stopped deciding: {Recorded} decisions recorded since start, the last for tick {LastTick}")]
    private static partial void LogStopped(ILogger logger, long recorded, DateTimeOffset? lastTick);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "Tick {Tick} finished {Late} late (tick {Interval}); ticks in between were skipped")]
    private static partial void LogOverran(ILogger logger, DateTimeOffset tick, TimeSpan late, TimeSpan interval);
}
