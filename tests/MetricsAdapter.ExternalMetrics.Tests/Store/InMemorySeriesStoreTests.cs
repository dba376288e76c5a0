using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Quantities;
using MetricsAdapter.Core.Series;
using MetricsAdapter.ExternalMetrics.Store;
using MetricsAdapter.Testing;

namespace MetricsAdapter.ExternalMetrics.Tests.Store;

public sealed class InMemorySeriesStoreTests
{
    private readonly ManualTimeProvider _clock = new();

    private InMemorySeriesStore CreateStore(int maxSeries = 100, TimeSpan? staleAfter = null) =>
        new(ServedMetrics.All, new SeriesStoreOptions { MaxSeries = maxSeries, StaleAfter = staleAfter ?? TimeSpan.FromMinutes(5) }, _clock);

    private SeriesPoint Point(string service, string value = "1", string metric = "predicted_load", string ns = "shop", TimeSpan? age = null) =>
        new(metric, ns, LabelSet.Create(("service", service)), Quantity.Parse(value), _clock.GetUtcNow() - (age ?? TimeSpan.Zero));

    private static async Task<IReadOnlyList<string>> QueryAsync(InMemorySeriesStore store, string selector, string metric = "predicted_load", string ns = "shop")
    {
        var result = await store.GetExternalMetricAsync(ns, LabelSelector.Parse(selector), metric, CancellationToken.None);
        Assert.True(result.IsMetricKnown);
        return result.Items.Select(i => $"{i.Labels}={i.Value}").ToList();
    }

    [Fact]
    public async Task Write_NewThenNewer_CreatesThenUpdates()
    {
        var store = CreateStore();

        Assert.Equal(SeriesWriteResult.Created, store.Write(Point("a", "1")));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(SeriesWriteResult.Updated, store.Write(Point("a", "2")));

        Assert.Equal(["service=a=2"], await QueryAsync(store, "service=a"));
        Assert.Equal(1, store.SeriesCount);
    }

    [Fact]
    public async Task Write_OlderThanStored_IsIgnored()
    {
        var store = CreateStore();
        store.Write(Point("a", "2"));

        Assert.Equal(SeriesWriteResult.IgnoredOutOfOrder, store.Write(Point("a", "1", age: TimeSpan.FromSeconds(5))));
        Assert.Equal(["service=a=2"], await QueryAsync(store, ""));
    }

    [Theory]
    [InlineData("queue_depth", "shop", SeriesWriteResult.RejectedUnknownMetric)]
    [InlineData("predicted_load", "Shop", SeriesWriteResult.RejectedInvalidNamespace)]
    [InlineData("predicted_load", "", SeriesWriteResult.RejectedInvalidNamespace)]
    [InlineData("PREDICTED_LOAD", "shop", SeriesWriteResult.Created)]
    public void Write_ValidatesMetricAndNamespace(string metric, string ns, SeriesWriteResult expected)
    {
        Assert.Equal(expected, CreateStore().Write(Point("a", metric: metric, ns: ns)));
    }

    [Fact]
    public async Task Get_UnknownMetric_IsNotKnown_AndNamesMatchCaseInsensitively()
    {
        var store = CreateStore();
        store.Write(Point("a"));

        var unknown = await store.GetExternalMetricAsync("shop", LabelSelector.Everything, "queue_depth", CancellationToken.None);
        var upper = await store.GetExternalMetricAsync("shop", LabelSelector.Everything, "Predicted_LOAD", CancellationToken.None);

        Assert.False(unknown.IsMetricKnown);
        Assert.Equal("predicted_load", Assert.Single(upper.Items).MetricName);
    }

    [Fact]
    public async Task Get_StaleSeries_IsNotServed_ThenEvicted()
    {
        var store = CreateStore(staleAfter: TimeSpan.FromMinutes(1));
        store.Write(Point("old"));
        store.Write(Point("fresh"));
        _clock.Advance(TimeSpan.FromSeconds(61));
        store.Write(Point("fresh", "2"));

        Assert.Equal(["service=fresh=2"], await QueryAsync(store, ""));
        Assert.Equal(2, store.SeriesCount);
        Assert.Equal(1, store.EvictExpired());
        Assert.Equal(1, store.SeriesCount);
    }

    [Fact]
    public void Write_StoreFull_EvictsExpiredFirst_ThenRefuses()
    {
        var store = CreateStore(maxSeries: 2, staleAfter: TimeSpan.FromMinutes(1));
        store.Write(Point("a"));
        store.Write(Point("b"));

        Assert.Equal(SeriesWriteResult.RejectedStoreFull, store.Write(Point("c")));
        Assert.Equal(SeriesWriteResult.Updated, store.Write(Point("a", "5")));

        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(SeriesWriteResult.Created, store.Write(Point("c")));
        Assert.Equal(1, store.SeriesCount);
    }

    [Fact]
    public void GetFreshness_ReportsCountAndAges()
    {
        var store = CreateStore();
        store.Write(Point("a", age: TimeSpan.FromSeconds(40)));
        store.Write(Point("b", age: TimeSpan.FromSeconds(10)));

        var freshness = store.GetFreshness().Single(f => f.Metric == "predicted_load");
        var none = store.GetFreshness().Single(f => f.Metric == "latency_anomaly_score");

        Assert.Equal((2, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(40)), (freshness.SeriesCount, freshness.NewestAge!.Value, freshness.OldestAge!.Value));
        Assert.Equal((0, (TimeSpan?)null), (none.SeriesCount, none.NewestAge));
    }

    /// <summary>Property: the indexed query returns exactly what filtering every series by the selector returns.</summary>
    [Fact]
    public async Task Get_RandomSeriesAndSelectors_MatchBruteForce()
    {
        var random = new Random(1234);
        string[] services = ["a", "b", "c", "d"];
        string[] regions = ["eu", "us", "ap"];
        string[] tiers = ["web", "api", ""];
        var store = CreateStore(maxSeries: 10_000);
        var all = new List<LabelSet>();
        for (var i = 0; i < 300; i++)
        {
            var pairs = new List<KeyValuePair<string, string>> { new("service", services[random.Next(services.Length)]), new("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
            if (random.Next(3) > 0)
            {
                pairs.Add(new("region", regions[random.Next(regions.Length)]));
            }

            var tier = tiers[random.Next(tiers.Length)];
            if (tier.Length > 0)
            {
                pairs.Add(new("tier", tier));
            }

            var labels = LabelSet.Create(pairs);
            all.Add(labels);
            store.Write(new SeriesPoint("predicted_load", "shop", labels, Quantity.FromInt64(i), _clock.GetUtcNow()));
        }

        string[] selectors =
        [
            "", "service=a", "service==b,region=eu", "service in (a,c)", "service in (a,c),region in (us,ap)", "region notin (eu)",
            "tier", "!tier", "service!=a,tier=web", "region=eu,service in (a,b,c,d)", "service=zzz", "n>150,service=b", "n<5",
        ];
        foreach (var text in selectors)
        {
            var selector = LabelSelector.Parse(text);
            var expected = all.Where(selector.Matches).Select(l => l.ToString()).Order(StringComparer.Ordinal).ToList();

            var result = await store.GetExternalMetricAsync("shop", selector, "predicted_load", CancellationToken.None);

            Assert.Equal(expected, result.Items.Select(i => i.Labels.ToString()).ToList());
        }
    }

    [Fact]
    public async Task ConcurrentWritersAndReaders_SeeConsistentValues()
    {
        var store = CreateStore(maxSeries: 1000);
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                store.Write(Point($"s{(i + w) % 200}", (i % 1000).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        })).ToArray();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            var reads = 0;
            while (!stop.IsCancellationRequested || reads < 200)
            {
                var result = await store.GetExternalMetricAsync("shop", LabelSelector.Parse("service in (s1,s2,s3)"), "predicted_load", CancellationToken.None);
                Assert.True(result.Items.Count <= 3);
                Assert.All(result.Items, item => Assert.StartsWith("s", item.Labels["service"], StringComparison.Ordinal));
                reads++;
            }

            return reads;
        })).ToArray();

        await Task.WhenAll(writers);
        await stop.CancelAsync();
        var reads = await Task.WhenAll(readers);

        Assert.Equal(200, store.SeriesCount);
        Assert.All(reads, count => Assert.True(count > 0));
    }

    [Fact]
    public void Constructor_UppercaseMetricName_Throws()
    {
        Assert.Throws<ArgumentException>(() => new InMemorySeriesStore(
            [new Provider.ExternalMetricInfo("Queue_Depth", "x")], new SeriesStoreOptions(), _clock));
    }
}
