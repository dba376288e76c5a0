using MetricsAdapter.Bus;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Sidecar.Intervals;
using MetricsAdapter.Sidecar.Scraping;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.Sidecar;

/// <summary>
/// Every interval: scrape the app, turn the scrape into one observation, publish it. Nothing the app or Kafka does
/// stops the loop: a failed scrape is a flagged observation, an unreachable Kafka fills the bounded buffer. At stop
/// (SIGTERM) one last scrape is published flagged <c>pod-stopping</c> and the buffer is flushed within
/// <see cref="SidecarOptions.ShutdownTimeout"/>.
/// </summary>
public sealed partial class SidecarLoop(
    SidecarOptions options,
    AppScraper scraper,
    ObservationBuilder builder,
    BufferedObservationPublisher publisher,
    SidecarTelemetry telemetry,
    TimeProvider timeProvider,
    ILogger<SidecarLoop> logger) : BackgroundService
{
    private long _lastTickTicks;
    private string? _lastError;
    private string? _lastConvention;
    private long _nextIdentityWarning;
    private long _seriesOverLimitLogged;
    private long _nextInternalErrorLog;

    /// <summary>When the loop last went round; liveness fails only when this stops moving.</summary>
    public DateTimeOffset LastTick => new(Interlocked.Read(ref _lastTickTicks), TimeSpan.Zero);

    /// <summary>Whether the loop has gone round within three intervals (or is just starting).</summary>
    public bool IsAlive(DateTimeOffset now) =>
        Interlocked.Read(ref _lastTickTicks) == 0 || now - LastTick < options.ScrapeInterval * 3 + options.ScrapeTimeout + TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Interlocked.Exchange(ref _lastTickTicks, timeProvider.GetUtcNow().UtcTicks);
        LogStarted(logger, options.Namespace, options.Service, options.Pod, options.ScrapeUri, options.ScrapeInterval, options.KafkaBootstrap);
        foreach (var problem in options.Problems)
        {
            LogProblem(logger, problem);
        }

        // Each pod scrapes at its own phase of the interval, so a cluster's sidecars do not all scrape and publish at once.
        var phase = TimeSpan.FromTicks((long)(PhaseOf(options.Pod) * options.ScrapeInterval.Ticks));
        DateTimeOffset? due = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await GuardedTickAsync(stopping: false, stoppingToken).ConfigureAwait(false);
                var now = timeProvider.GetUtcNow();
                due = NextDue(now, due, phase, options.ScrapeInterval);
                await Task.Delay(due.Value - now, timeProvider, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the last observation follows.
        }

        // The last scrape gets a short time of its own (a native sidecar's app has usually exited by now), the flush the rest.
        var deadline = timeProvider.GetUtcNow() + options.ShutdownTimeout;
        using (var last = new CancellationTokenSource(TimeSpan.FromTicks(Math.Min(options.ScrapeTimeout.Ticks, TimeSpan.FromSeconds(1).Ticks)), timeProvider))
        {
            await GuardedTickAsync(stopping: true, last.Token).ConfigureAwait(false);
        }

        var left = await publisher.FlushAsync(deadline - timeProvider.GetUtcNow()).ConfigureAwait(false);
        LogStopped(logger, publisher.Sent, left);
    }

    /// <summary>
    /// The next scrape: the first boundary of the pod's phase after <paramref name="now"/>, and never the boundary just
    /// scraped again — a timer may fire a millisecond before the wall clock reaches the time it was set for.
    /// </summary>
    internal static DateTimeOffset NextDue(DateTimeOffset now, DateTimeOffset? previousDue, TimeSpan phase, TimeSpan interval)
    {
        var next = new DateTimeOffset(((now.UtcTicks - phase.Ticks) / interval.Ticks + 1) * interval.Ticks + phase.Ticks, TimeSpan.Zero);
        return previousDue is { } previous && next <= previous ? previous + interval : next;
    }

    /// <summary>A deterministic phase in [0, 1) from the pod's name.</summary>
    private static double PhaseOf(string pod)
    {
        var hash = 2166136261u;
        foreach (var c in pod)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash / (double)(1UL << 32);
    }

    /// <summary>
    /// One tick that cannot take the loop down: whatever fails (a bug on some body, memory) is logged at most once a
    /// minute, counted as a scrape error of reason <c>internal</c>, and the next interval starts from a fresh baseline.
    /// </summary>
    private async Task GuardedTickAsync(bool stopping, CancellationToken cancellationToken)
    {
        try
        {
            await TickAsync(stopping, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (!stopping)
            {
                throw;
            }
        }
#pragma warning disable CA1031 // The loop is the sidecar's life: no failure of one tick may end it.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Interlocked.Exchange(ref _lastTickTicks, timeProvider.GetUtcNow().UtcTicks);
            telemetry.Scraped(false, "internal", TimeSpan.Zero, timeProvider.GetUtcNow());
            builder.Reset();
            var now = timeProvider.GetUtcNow().UtcTicks;
            if (now >= _nextInternalErrorLog)
            {
                _nextInternalErrorLog = now + TimeSpan.TicksPerMinute;
                LogTickFailed(logger, exception);
            }
        }
    }

    private async Task TickAsync(bool stopping, CancellationToken cancellationToken)
    {
        var scrape = await scraper.ScrapeAsync(cancellationToken).ConfigureAwait(false);
        var now = timeProvider.GetUtcNow();
        Interlocked.Exchange(ref _lastTickTicks, now.UtcTicks);
        telemetry.Scraped(scrape.Succeeded, scrape.ErrorKind, scrape.Duration, now);
        NoteScrape(scrape);
        var observation = builder.Next(scrape, now, stopping);
        telemetry.Computed(builder.CounterResets, builder.Score);
        if (observation is null)
        {
            return;
        }

        if (!options.HasIdentity)
        {
            if (now.UtcTicks >= _nextIdentityWarning)
            {
                _nextIdentityWarning = (now + TimeSpan.FromMinutes(1)).UtcTicks;
                LogNoIdentity(logger, SidecarContract.PodNamespace, SidecarContract.Service, SidecarContract.PodName);
            }

            return;
        }

        publisher.TryPublish(observation);
    }

    private void NoteScrape(ScrapeResult scrape)
    {
        if (!scrape.Succeeded)
        {
            // One line when scrapes start failing or fail differently, not one every interval.
            if (_lastError != scrape.ErrorKind)
            {
                LogScrapeFailed(logger, scrape.ErrorKind ?? "?", scrape.ErrorMessage ?? string.Empty);
            }

            _lastError = scrape.ErrorKind;
            return;
        }

        if (_lastError is not null)
        {
            LogScrapeRecovered(logger, options.ScrapeUri);
            _lastError = null;
        }

        var snapshot = scrape.Snapshot!;
        if (snapshot.SeriesOverLimit > 0)
        {
            telemetry.SeriesOverLimit(snapshot.SeriesOverLimit);
            if (_seriesOverLimitLogged++ % 720 == 0)
            {
                LogSeriesOverLimit(logger, snapshot.MaxSeries, snapshot.SeriesOverLimit, SidecarOptions.MaxSeriesVariable);
            }
        }

        var convention = snapshot.ChosenConvention is var index and >= 0 ? snapshot.Convention(index).Name : null;
        if (convention != _lastConvention)
        {
            if (convention is null)
            {
                LogNoKnownMetrics(logger, options.ScrapeUri, string.Join(", ", options.Conventions.SelectMany(c => c.SampleNames())));
            }
            else
            {
                LogConvention(logger, convention, options.ScrapeUri);
            }

            _lastConvention = convention;
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information,
        Message = "Predictor sidecar for {Namespace}/{Service} pod {Pod}: scraping {ScrapeUri} every {Interval}, publishing to Kafka at {Bootstrap}")]
    private static partial void LogStarted(ILogger logger, string @namespace, string service, string pod, Uri scrapeUri, TimeSpan interval, string bootstrap);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Configuration: {Problem}")]
    private static partial void LogProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Scrape failed ({Kind}): {Message}; observations are flagged scrape-failed until it recovers")]
    private static partial void LogScrapeFailed(ILogger logger, string kind, string message);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Scraping {ScrapeUri} again")]
    private static partial void LogScrapeRecovered(ILogger logger, Uri scrapeUri);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning,
        Message = "The app exposes more than {MaxSeries} series of the wanted metrics ({Over} more this scrape, ignored); raise {Variable} or reduce the labels")]
    private static partial void LogSeriesOverLimit(ILogger logger, int maxSeries, long over, string variable);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Warning, Message = "{ScrapeUri} exposes none of the metrics looked for ({Names}); set METRICS_ADAPTER_REQUESTS_METRIC / METRICS_ADAPTER_LATENCY_METRIC")]
    private static partial void LogNoKnownMetrics(ILogger logger, Uri scrapeUri, string names);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Information, Message = "Reading the {Convention} metrics of {ScrapeUri}")]
    private static partial void LogConvention(ILogger logger, string convention, Uri scrapeUri);

    [LoggerMessage(EventId = 7008, Level = LogLevel.Warning, Message = "Observations are not published: {Namespace}, {Service} and {Pod} must all be set")]
    private static partial void LogNoIdentity(ILogger logger, string @namespace, string service, string pod);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Error, Message = "A scrape interval failed inside the sidecar; the next starts from a fresh baseline")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7009, Level = LogLevel.Information, Message = "Stopped: {Sent} observations sent, {Left} left undelivered")]
    private static partial void LogStopped(ILogger logger, long sent, int left);
}
