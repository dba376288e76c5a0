using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MetricsAdapter.Bus;
using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Host.Tests;

/// <summary>
/// No decision is lost across a broker outage: the broker lives in its own process and is taken down for over a
/// minute, the adapter is restarted once during it, and afterwards every decision made is on the audit topic
/// exactly once, in order per series, with the value that was served.
/// </summary>
public sealed partial class OutageEndToEndTests
{
    private static readonly string[] Metrics = [MetricNames.PredictedLoad, MetricNames.LatencyAnomalyScore];

    [Fact]
    public async Task BrokerDownForOverAMinute_WithARestart_NoDecisionIsLostOrDoubled()
    {
        await using var broker = await DevKafkaProcess.StartAsync();
        var config = Path.Combine(Path.GetTempPath(), $"metrics-adapter-outage-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, """{"Decisions": {"Tick": "00:00:05"}}""");
        await using var adapter = await AdapterProcess.StartAsync("--kafka-bootstrap", broker.Bootstrap, "--config", config);
        await using var feed = new ObservationFeed(broker.Bootstrap,
        [
            (ServiceKey.Create("shop", "checkout"), "checkout-a", 40),
            (ServiceKey.Create("shop", "checkout"), "checkout-b", 40),
            (ServiceKey.Create("shop", "search"), "search-a", 12),
        ]);
        var served = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        using var stopPolling = new CancellationTokenSource();
        var polling = PollServedAsync(adapter, served, stopPolling.Token);
        await Eventually.WaitAsync(() => Task.FromResult(served.Count >= 8), TimeSpan.FromSeconds(90), "decisions before the outage");

        Assert.StartsWith("ok", await broker.CommandAsync("down 1"), StringComparison.Ordinal);
        var down = TimeProvider.System.GetUtcNow();
        await Task.Delay(TimeSpan.FromSeconds(25));
        await adapter.RestartAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(down + TimeSpan.FromSeconds(70) - TimeProvider.System.GetUtcNow());
        Assert.True(await adapter.MetricAsync("metrics_adapter_spool_depth") > 0, "decisions wait in the spool during the outage");
        Assert.StartsWith("ok", await broker.CommandAsync("up 1"), StringComparison.Ordinal);
        var up = TimeProvider.System.GetUtcNow();

        await Eventually.WaitAsync(async () => await adapter.MetricAsync("metrics_adapter_spool_depth") == 0, TimeSpan.FromSeconds(90), "the spool to drain");
        await stopPolling.CancelAsync();
        await polling;
        Assert.Equal(0, await adapter.TerminateAsync(TimeSpan.FromSeconds(30)));
        File.Delete(config);

        var recordedByProcess = StoppedLine().Matches(adapter.Output).Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var records = AuditTrailReader.Read(new Dictionary<string, string> { ["bootstrap.servers"] = broker.Bootstrap }, "metrics-adapter.decisions",
            down.AddHours(-1), null, TimeSpan.FromSeconds(30), TimeProvider.System, out var skipped);

        // Exactly once by id, and as many as the two adapter processes said they recorded.
        Assert.Equal(0, skipped);
        Assert.Equal(2, recordedByProcess.Count);
        Assert.Equal(records.Count, records.Select(r => r.Event.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(recordedByProcess.Sum(), records.Count);

        // Every value the API served is on the topic with that value.
        var byId = records.ToDictionary(r => r.Event.Id, StringComparer.Ordinal);
        Assert.All(served, pair =>
        {
            Assert.True(byId.TryGetValue(pair.Key, out var record), $"{pair.Key} was served but is not on the audit topic");
            Assert.Equal(pair.Value, record!.Event.Data.Value);
        });

        // In order per series, and the outage was decided through, on stale observations.
        foreach (var series in records.GroupBy(r => r.Event.Subject + "/" + r.Event.Data.Metric))
        {
            var times = series.OrderBy(r => r.Offset).Select(r => r.Event.Time).ToList();
            Assert.Equal(times.Order(), times);
            Assert.Single(series.Select(r => r.Partition).Distinct());
        }

        var duringOutage = records.Where(r => r.Event.Time > down && r.Event.Time < up).ToList();
        Assert.True(duringOutage.Count >= 40, $"{duringOutage.Count} decisions during the outage");
        Assert.Contains(duringOutage, r => r.Event.Data.Fallback?.Reason == FallbackReasons.StaleObservations);
        Assert.Contains("Restored 2 services", adapter.Output, StringComparison.Ordinal);
    }

    private static async Task PollServedAsync(AdapterProcess adapter, ConcurrentDictionary<string, string> served, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var metric in Metrics)
            {
                try
                {
                    using var client = adapter.CreateAdminClient();
                    var list = JsonNode.Parse(await client.GetStringAsync(new Uri(
                        $"/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/{metric}?labelSelector=service+in+%28checkout%2Csearch%29", UriKind.Relative), cancellationToken))!;
                    foreach (var item in list["items"]!.AsArray())
                    {
                        var service = item!["metricLabels"]!["service"]!.GetValue<string>();
                        served[$"shop/{service}/{metric}/{item["timestamp"]!.GetValue<string>()}"] = item["value"]!.GetValue<string>();
                    }
                }
                catch (HttpRequestException)
                {
                    // The adapter is restarting.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            try
            {
                await Task.Delay(1000, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [GeneratedRegex(@"Stopped deciding: (\d+) decisions recorded since start")]
    private static partial Regex StoppedLine();
}
