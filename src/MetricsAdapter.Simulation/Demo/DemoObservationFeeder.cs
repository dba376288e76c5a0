using MetricsAdapter.Core.Observations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.Simulation.Demo;

/// <summary>
/// Drives the data path from its start, as a cluster would: every <see cref="DemoWorkloadOptions.PublishInterval"/>
/// each demo pod publishes its observation onto the bus. Nothing here writes a served value.
/// </summary>
public sealed partial class DemoObservationFeeder(
    IObservationPublisher publisher,
    IOptions<DemoWorkloadOptions> options,
    TimeProvider timeProvider,
    ILogger<DemoObservationFeeder> logger) : BackgroundService
{
    private static readonly string ServiceNames = string.Join(", ", DemoWorkload.Services.Select(s => s.Name));

    private readonly DemoCluster _cluster = new(options.Value);
    private long _dropped;

    /// <summary>Publishes every pod's observation for the interval ending at <paramref name="end"/>; returns how many were published.</summary>
    public int PublishOnce(DateTimeOffset end)
    {
        var published = 0;
        foreach (var observation in _cluster.Scrape(end))
        {
            if (publisher.TryPublish(observation))
            {
                published++;
            }
            else if (_dropped++ % 100 == 0)
            {
                LogDropped(logger, _dropped);
            }
        }

        return published;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.PublishInterval;
        LogStarted(logger, options.Value.Namespace, ServiceNames, options.Value.PodsPerService, interval, options.Value.DayLength);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = timeProvider.GetUtcNow();
                var next = new DateTimeOffset(((now.UtcTicks / interval.Ticks) + 1) * interval.Ticks, TimeSpan.Zero);
                await Task.Delay(next - now, timeProvider, stoppingToken);
                PublishOnce(next);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "Demo: namespace {Namespace}, services {Services}, {Pods} pods each publishing an observation every {Interval}; one simulated day lasts {DayLength}")]
    private static partial void LogStarted(ILogger logger, string @namespace, string services, int pods, TimeSpan interval, TimeSpan dayLength);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Demo observations dropped by the publisher (bus unreachable or full): {Dropped} so far")]
    private static partial void LogDropped(ILogger logger, long dropped);
}
