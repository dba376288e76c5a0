using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Quantities;
using MetricsAdapter.ExternalMetrics;
using MetricsAdapter.ExternalMetrics.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.Demo;

/// <summary>Publishes the demo workload's readings into the served series every <see cref="DemoWorkloadOptions.PublishInterval"/>.</summary>
public sealed partial class DemoFeeder(
    ISeriesWriter writer,
    IOptions<DemoWorkloadOptions> options,
    TimeProvider timeProvider,
    ILogger<DemoFeeder> logger) : BackgroundService
{
    private static readonly string ServiceNames = string.Join(", ", DemoWorkload.Services.Select(s => s.Name));

    private readonly DemoWorkload _workload = new(options.Value);
    private readonly Dictionary<string, LabelSet> _labels = DemoWorkload.Services.ToDictionary(
        s => s.Name,
        s => LabelSet.Create(("service", s.Name)),
        StringComparer.Ordinal);

    /// <summary>Writes one reading per service and metric, stamped <paramref name="instant"/>.</summary>
    public void PublishOnce(DateTimeOffset instant)
    {
        var window = options.Value.PublishInterval;
        foreach (var service in DemoWorkload.Services)
        {
            var reading = _workload.Read(service, instant);
            var labels = _labels[service.Name];
            Write(new SeriesPoint(ServedMetrics.PredictedLoadName, options.Value.Namespace, labels,
                Quantity.FromDouble(reading.PredictedRequestsPerSecond, MidpointRounding.ToPositiveInfinity), instant, window));
            Write(new SeriesPoint(ServedMetrics.LatencyAnomalyScoreName, options.Value.Namespace, labels,
                Quantity.FromDouble(reading.LatencyAnomalyScore), instant, window));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger, options.Value.Namespace, ServiceNames, options.Value.DayLength);
        PublishOnce(timeProvider.GetUtcNow());
        using var timer = new PeriodicTimer(options.Value.PublishInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                PublishOnce(timeProvider.GetUtcNow());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private void Write(SeriesPoint point)
    {
        var result = writer.Write(point);
        if (result is not (SeriesWriteResult.Created or SeriesWriteResult.Updated))
        {
            LogRefused(logger, point.Metric, point.Labels.ToString(), result);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "Demo workload publishing into namespace {Namespace}: services {Services}; one simulated day lasts {DayLength}")]
    private static partial void LogStarted(ILogger logger, string @namespace, string services, TimeSpan dayLength);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Demo value for {Metric} {{{Labels}}} was not stored: {Result}")]
    private static partial void LogRefused(ILogger logger, string metric, string labels, SeriesWriteResult result);
}
