using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Decisions;
using Microsoft.Extensions.Logging.Abstractions;

// The decision manager alone, on one thread, fed pre-serialised observation v1 records (Kafka excluded), on a
// clock the benchmark moves: every record is parsed, validated, aggregated per service, and every tick decides
// every service (a model step each minute). Rounds alternate and each is reported, then the median and spread.
var culture = CultureInfo.InvariantCulture;
var rounds = args.Length > 0 ? int.Parse(args[0], culture) : 5;
Console.WriteLine($"decision manager, one thread, {rounds} rounds; runtime {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} cpus visible");

// The runtime needs a while to compile hot methods to their final tier on one core: warm up until two rounds
// in a row agree within 10% (at least three, at most twelve), then measure.
var previous = 0.0;
for (var warm = 1; warm <= 12; warm++)
{
    var result = Ingestion.Run(services: 1_000, pods: 3, minutes: 10);
    Console.WriteLine(string.Create(culture, $"  warm-up round {warm}: {result.PerSecond:N0} observations/s"));
    if (warm >= 3 && Math.Abs(result.PerSecond - previous) <= 0.1 * previous)
    {
        break;
    }

    previous = result.PerSecond;
}

var ingest = new List<(double PerSecond, double BytesPerObservation)>();
for (var round = 1; round <= rounds; round++)
{
    var result = Ingestion.Run(services: 1_000, pods: 3, minutes: 10);
    ingest.Add(result);
    Console.WriteLine(string.Create(culture, $"  ingest round {round}: {result.PerSecond:N0} observations/s (parse + aggregate + ticks with model steps), {result.BytesPerObservation:N0} B allocated per observation"));
}

Report("ingestion", ingest.Select(r => r.PerSecond).ToList(), "observations/s");

var ticks = new List<(double PlainMs, double StepMs, double PlainBytes, double StepBytes, double BytesPerService)>();
for (var round = 1; round <= rounds; round++)
{
    var result = TickCost.Run(services: 10_000);
    ticks.Add(result);
    Console.WriteLine(string.Create(culture,
        $"  tick round {round}: 10,000 services: {result.PlainMs:N1} ms ({result.PlainBytes / 1e6:N1} MB allocated) on a tick, {result.StepMs:N1} ms ({result.StepBytes / 1e6:N1} MB) on a model step; {result.BytesPerService / 1024:N0} KiB held per service"));
}

Report("tick, 10,000 services", ticks.Select(t => t.PlainMs).ToList(), "ms");
Report("tick with a model step, 10,000 services", ticks.Select(t => t.StepMs).ToList(), "ms");
Report("memory per service", ticks.Select(t => t.BytesPerService / 1024).ToList(), "KiB");

static void Report(string what, List<double> values, string unit)
{
    values.Sort();
    var median = values[values.Count / 2];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{what}: median {median:N1} {unit}; min {values[0]:N1}, max {values[^1]:N1} ({100 * (values[^1] - values[0]) / median:N0}% spread over {values.Count} rounds)"));
}

internal sealed class BenchClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}

internal sealed class BenchMeters : IMeterFactory
{
    public Meter Create(MeterOptions options) => new(options);

    public void Dispose()
    {
    }
}

internal static class Harness
{
    public static readonly DateTimeOffset Start = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);

    public static (DecisionManager Manager, BenchClock Clock) Create(int maxServices)
    {
        var clock = new BenchClock(Start);
        var options = new DecisionOptions { MaxServices = maxServices };
        var manager = new DecisionManager(Microsoft.Extensions.Options.Options.Create(options), new DefaultServiceModelFactory(options), clock,
            new DecisionTelemetry(new BenchMeters()), NullLogger<DecisionManager>.Instance);
        return (manager, clock);
    }

    /// <summary>One pod's observation: a realistic record with a 12-bucket latency histogram.</summary>
    public static (byte[] Key, byte[] Value) Record(ServiceKey service, string pod, long sequence, DateTimeOffset end, double rate)
    {
        var requests = Math.Round(rate * 5);
        double[] bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, double.PositiveInfinity];
        double[] shares = [0.02, 0.08, 0.25, 0.55, 0.8, 0.93, 0.98, 0.995, 0.999, 1, 1, 1];
        var observation = new Observation
        {
            Service = service,
            Pod = pod,
            Node = "node-7",
            Start = end - TimeSpan.FromSeconds(5),
            End = end,
            Requests = requests,
            Errors = Math.Floor(requests * 0.01),
            Latency = new LatencyHistogram(bounds, shares.Select(s => Math.Round(s * requests)).ToArray(), requests * 0.06, requests),
            PodAnomalyScore = 0.02,
            Sequence = sequence,
            Sidecar = "0.2.0",
        };
        return (Encoding.UTF8.GetBytes(service.ToString()), ObservationJson.Serialize(observation));
    }
}

/// <summary>Observations of many services and pods over simulated minutes, with every tick in between.</summary>
internal static class Ingestion
{
    public static (double PerSecond, double BytesPerObservation) Run(int services, int pods, int minutes)
    {
        var (manager, clock) = Harness.Create(services);
        var keys = Enumerable.Range(0, services).Select(i => ServiceKey.Create("ns-" + (i % 50).ToString(CultureInfo.InvariantCulture), "svc-" + i.ToString(CultureInfo.InvariantCulture))).ToArray();

        // Records are made before the clock starts: serialising is the sidecar's cost, not ours.
        var intervals = minutes * 12;
        var records = new (byte[] Key, byte[] Value)[intervals][];
        for (var interval = 0; interval < intervals; interval++)
        {
            var end = Harness.Start + TimeSpan.FromSeconds(5 * (interval + 1));
            records[interval] = new (byte[], byte[])[services * pods];
            for (var s = 0; s < services; s++)
            {
                for (var p = 0; p < pods; p++)
                {
                    var rate = 50 + (30 * Math.Sin((interval + s) / 40.0)) + p;
                    records[interval][(s * pods) + p] = Harness.Record(keys[s], $"svc-{s.ToString(CultureInfo.InvariantCulture)}-pod-{p.ToString(CultureInfo.InvariantCulture)}", interval, end, rate);
                }
            }
        }

        var origin = new RecordOrigin("bench", 0, 0);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        long count = 0;
        for (var interval = 0; interval < intervals; interval++)
        {
            clock.Now = Harness.Start + TimeSpan.FromSeconds(5 * (interval + 1));
            foreach (var (key, value) in records[interval])
            {
                if (manager.Ingest(key, value, clock.Now, origin).Rejection != ObservationRejection.None)
                {
                    throw new InvalidOperationException("a benchmark record was rejected");
                }

                count++;
            }

            if ((interval + 1) % 3 == 0)
            {
                var decisions = manager.Tick(clock.Now);
                manager.Served(decisions, clock.Now);
            }
        }

        watch.Stop();
        return (count / watch.Elapsed.TotalSeconds, (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)count);
    }
}

/// <summary>One tick over many warm services: a plain tick, and one that ends a model step.</summary>
internal static class TickCost
{
    public static (double PlainMs, double StepMs, double PlainBytes, double StepBytes, double BytesPerService) Run(int services)
    {
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var (manager, clock) = Harness.Create(services);
        var keys = Enumerable.Range(0, services).Select(i => ServiceKey.Create("ns-" + (i % 50).ToString(CultureInfo.InvariantCulture), "svc-" + i.ToString(CultureInfo.InvariantCulture))).ToArray();
        var origin = new RecordOrigin("bench", 0, 0);
        var sequence = 0L;

        // Twenty warm minutes, two pods per service reporting every 15 s, so every model is past its warm-up.
        for (var tick = 1; tick <= 80; tick++)
        {
            clock.Now = Harness.Start + TimeSpan.FromSeconds(15 * tick);
            Feed(manager, keys, clock.Now, sequence++, origin);
            manager.Served(manager.Tick(clock.Now), clock.Now);
        }

        var held = GC.GetTotalMemory(forceFullCollection: true) - before;

        // The next tick (not a minute boundary), then a minute boundary.
        clock.Now = Harness.Start + TimeSpan.FromSeconds(15 * 81);
        Feed(manager, keys, clock.Now, sequence++, origin);
        var (plainMs, plainBytes) = Measure(manager, clock.Now);
        for (var tick = 82; tick <= 84; tick++)
        {
            clock.Now = Harness.Start + TimeSpan.FromSeconds(15 * tick);
            Feed(manager, keys, clock.Now, sequence++, origin);
            if (tick < 84)
            {
                manager.Served(manager.Tick(clock.Now), clock.Now);
            }
        }

        var (stepMs, stepBytes) = Measure(manager, clock.Now);
        GC.KeepAlive(manager);
        return (plainMs, stepMs, plainBytes, stepBytes, held / (double)services);
    }

    private static (double Ms, double Bytes) Measure(DecisionManager manager, DateTimeOffset tick)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var decisions = manager.Tick(tick);
        watch.Stop();
        var bytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
        manager.Served(decisions, tick);
        return (watch.Elapsed.TotalMilliseconds, bytes);
    }

    private static void Feed(DecisionManager manager, ServiceKey[] keys, DateTimeOffset end, long sequence, RecordOrigin origin)
    {
        for (var s = 0; s < keys.Length; s++)
        {
            for (var p = 0; p < 2; p++)
            {
                var (key, value) = Harness.Record(keys[s], $"svc-{s.ToString(CultureInfo.InvariantCulture)}-pod-{p.ToString(CultureInfo.InvariantCulture)}", sequence, end, 40 + s % 17 + (sequence % 9));
                manager.Ingest(key, value, end, origin);
            }
        }
    }
}
