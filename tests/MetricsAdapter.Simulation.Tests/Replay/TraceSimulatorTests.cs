using System.Globalization;
using MetricsAdapter.Prediction.Evaluation;
using MetricsAdapter.Simulation.Replay;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Simulation.Tests.Replay;

/// <summary>The simulator against the obvious physics of a step surge, and the cluster model's own rules.</summary>
public sealed class TraceSimulatorTests
{
    /// <summary>Six hours a minute at a time: a steady base with ±5% noise and three step surges to ×4 for 20 minutes.</summary>
    private static TimeSeries StepSurges()
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "step-surges.csv");
        var start = new DateTime(2026, 3, 2, 0, 0, 0, DateTimeKind.Utc);
        var lines = new List<string> { "timestamp,value" };
        for (var minute = 0; minute < 360; minute++)
        {
            var surge = minute is >= 120 and < 140 or >= 210 and < 230 or >= 300 and < 320;
            var noise = 1 + (0.05 * Math.Sin(minute * 1.7));
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{start.AddMinutes(minute):yyyy-MM-dd HH:mm:ss},{Math.Round(6000 * noise * (surge ? 4 : 1))}"));
        }

        File.WriteAllLines(path, lines);
        return TimeSeries.ReadCsv(path);
    }

    private static Dictionary<string, PolicyResult> Run(SimulationParameters parameters, params string[] policies) =>
        TraceSimulator.Run(new TraceLoad(StepSurges(), parameters), parameters, policies.Length == 0 ? Policies.All : policies, null)
            .Policies.ToDictionary(p => p.Policy, StringComparer.Ordinal);

    [Fact]
    public void StepSurges_OracleBeatsEveryone_AndEveryoneFindsTheSurges()
    {
        var results = Run(new SimulationParameters());

        var oracle = results[Policies.Oracle];
        Assert.True(oracle.SloViolationMinutes <= results[Policies.Predictive].SloViolationMinutes);
        Assert.True(oracle.SloViolationMinutes <= results[Policies.Reactive].SloViolationMinutes);
        Assert.True(oracle.SloViolationMinutes <= results[Policies.ReactiveRps].SloViolationMinutes);
        Assert.True(results[Policies.Reactive].SloViolationMinutes > 0, "a 90 s start-up behind a ×4 step must hurt a reactive policy");
        Assert.All(results.Values, r => Assert.Equal(3, r.Surges));
        Assert.All(results.Values, r => Assert.InRange(r.MaxReplicas, 39, 80));
        Assert.NotNull(results[Policies.Predictive].FallbackMinutes);
        Assert.Null(results[Policies.Reactive].FallbackMinutes);
    }

    [Theory]
    [InlineData(30, 90)]
    [InlineData(90, 180)]
    public void StartupDelay_MoreOfItNeverHelpsReactive(int shorter, int longer)
    {
        var fast = Run(new SimulationParameters { StartupDelay = TimeSpan.FromSeconds(shorter) }, Policies.Reactive, Policies.ReactiveRps);
        var slow = Run(new SimulationParameters { StartupDelay = TimeSpan.FromSeconds(longer) }, Policies.Reactive, Policies.ReactiveRps);

        foreach (var policy in new[] { Policies.Reactive, Policies.ReactiveRps })
        {
            Assert.True(slow[policy].SloViolationMinutes >= fast[policy].SloViolationMinutes,
                $"{policy}: {slow[policy].SloViolationMinutes} violation minutes with {longer} s, {fast[policy].SloViolationMinutes} with {shorter} s");
        }
    }

    [Fact]
    public void Run_IsDeterministic()
    {
        var first = Run(new SimulationParameters(), Policies.Predictive, Policies.Reactive);
        var second = Run(new SimulationParameters(), Policies.Predictive, Policies.Reactive);

        Assert.Equal(first.Values, second.Values);
    }

    [Fact]
    public void Load_IsScaledSoThatThePeakNeedsPeakPods()
    {
        var parameters = new SimulationParameters { PeakPods = 25 };
        var load = new TraceLoad(StepSurges(), parameters);

        var peak = Enumerable.Range(0, 360 * 12).Max(i => load.Rate(TimeSpan.FromSeconds(5 * i)));

        Assert.Equal(25, peak / (parameters.PodCapacity * parameters.TargetUtilization), 6);
        Assert.Equal(TimeSpan.FromMinutes(360), load.Duration);
    }

    [Fact]
    public void Plot_IsAnSvgWithEveryPolicysReplicas()
    {
        var parameters = new SimulationParameters();
        var result = TraceSimulator.Run(new TraceLoad(StepSurges(), parameters), parameters, Policies.All, null);

        var svg = SvgPlot.Render(result);

        Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"", svg, StringComparison.Ordinal);
        Assert.Equal(2 + Policies.All.Count, svg.Split("<polyline", StringSplitOptions.None).Length - 1);
        Assert.Equal(3, svg.Split("stroke-dasharray", StringSplitOptions.None).Length - 1);
        System.Xml.Linq.XDocument.Parse(svg);
    }
}
