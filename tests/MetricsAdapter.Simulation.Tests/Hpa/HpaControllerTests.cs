using MetricsAdapter.Simulation.Hpa;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Simulation.Tests.Hpa;

/// <summary>The HPA model against every worked example of contracts §1, table by table, and a real controller's recording.</summary>
public sealed class HpaControllerTests
{
    private static readonly TimeSpan Sync = TimeSpan.FromSeconds(15);

    private static HpaSpec Spec(string metrics, string? behavior = null, int min = 1, int max = 100) => HpaSpec.Parse($$"""
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: app}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: app}
          minReplicas: {{min}}
          maxReplicas: {{max}}
          metrics:
        {{metrics}}
        {{(behavior is null ? string.Empty : "  behavior:\n" + behavior)}}
        """);

    private const string AverageTen = """
            - type: External
              external:
                metric: {name: predicted_load, selector: {matchLabels: {service: checkout}}}
                target: {type: AverageValue, averageValue: "10"}
        """;

    private const string TwoMetrics = AverageTen + "\n" + """
            - type: External
              external:
                metric: {name: latency_anomaly_score}
                target: {type: Value, value: 700m}
        """;

    private const string DefaultBehavior = "    scaleUp: {}\n    scaleDown: {}";

    private static ExternalReading External(double? value) => new(value is null ? null : (long)Math.Ceiling(value.Value * 1000));

    [Fact]
    public void AverageValue_Sum95Target10From3_Proposes10()
    {
        var controller = new HpaController(Spec(AverageTen));

        var result = controller.Sync(Sync, 3, 3, 3, [External(95)]);

        Assert.Equal(10, result.Proposed);
        Assert.Equal(6, result.Replicas);
        Assert.Equal("ScaleUpLimit", result.Limited);
    }

    [Fact]
    public void Value_Sum150Target100With4Ready_Gives6()
    {
        var controller = new HpaController(Spec("""
                - type: External
                  external:
                    metric: {name: queue}
                    target: {type: Value, value: "100"}
            """));

        Assert.Equal(6, controller.Sync(Sync, 4, 4, 4, [External(150)]).Replicas);
    }

    [Fact]
    public void DefaultBehavior_ScaleUpFrom10_IsLimitedTo20ByTheHigherPolicy()
    {
        var controller = new HpaController(Spec(AverageTen, DefaultBehavior));

        var result = controller.Sync(Sync, 10, 10, 10, [External(1000)]);

        Assert.Equal(100, result.Proposed);
        Assert.Equal(20, result.Replicas);
        Assert.Equal("ScaleUpLimit", result.Limited);

        // The +10 of the first sync is 15 s old, outside the 15 s period: the next step doubles again.
        Assert.Equal(40, controller.Sync(Sync * 2, 20, 20, 20, [External(1000)]).Replicas);
    }

    [Theory]
    [InlineData(HpaRelease.Current, 10)]
    [InlineData(HpaRelease.Kubernetes126, 11)]
    public void Tolerance_RatioOfExactly1Point1_ScalesOnlyOnTheOldRelease(HpaRelease release, int expected)
    {
        var controller = new HpaController(Spec(AverageTen, DefaultBehavior), new HpaControllerFlags { Release = release });

        Assert.Equal(expected, controller.Sync(Sync, 10, 10, 10, [External(110)]).Replicas);
    }

    [Fact]
    public void Tolerance_PerHpa_OverridesTheFlag()
    {
        var controller = new HpaController(Spec(AverageTen, "    scaleUp: {tolerance: 50m}\n    scaleDown: {tolerance: 300m}"));

        Assert.Equal(11, controller.Sync(Sync, 10, 10, 10, [External(106)]).Replicas);
        Assert.Equal(11, controller.Sync(Sync * 2, 11, 11, 11, [External(80)]).Replicas);
    }

    [Theory]
    [InlineData(null, 0.35, 10)]
    [InlineData(null, null, 10)]
    [InlineData(2.0, null, 10)]
    [InlineData(200.0, null, 20)]
    public void FailedMetric_WhileOthersProposeAScaleDown_DoesNotScale(double? load, double? score, int expected)
    {
        var controller = new HpaController(Spec(TwoMetrics, "    scaleUp: {stabilizationWindowSeconds: 0}\n    scaleDown: {stabilizationWindowSeconds: 0}"));

        var result = controller.Sync(Sync, 10, 10, 10, [External(load), External(score)]);

        Assert.Equal(expected, result.Replicas);
        if (expected == 10)
        {
            Assert.StartsWith("FailedGet", result.ScalingActive, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Legacy_StabilisationWindow_HoldsTheHighestRecommendationForFiveMinutes()
    {
        var controller = new HpaController(Spec(AverageTen));
        var replicas = controller.Sync(Sync, 10, 10, 10, [External(200)]).Replicas;
        Assert.Equal(20, replicas);

        for (var t = 2; t <= 20; t++)
        {
            replicas = controller.Sync(Sync * t, replicas, replicas, replicas, [External(50)]).Replicas;
            Assert.Equal(20, replicas);
        }

        Assert.Equal(5, controller.Sync(Sync * 22, replicas, replicas, replicas, [External(50)]).Replicas);
    }

    [Theory]
    [InlineData(1, 10, 4)]
    [InlineData(10, 50, 20)]
    [InlineData(3, 5, 5)]
    public void Legacy_Clamp_IsMinToTwiceCurrentOrFour(int current, double load, int expected)
    {
        var controller = new HpaController(Spec(AverageTen, min: 1, max: 30));

        Assert.Equal(expected, controller.Sync(TimeSpan.FromMinutes(10), current, current, current, [External(load * 10)]).Replicas);
    }

    [Fact]
    public void Behavior_ScaleDownWindowAndPodsPolicy_StepDownOnePodPerMinuteAfterTheWindow()
    {
        var controller = new HpaController(Spec(AverageTen,
            "    scaleDown:\n      stabilizationWindowSeconds: 60\n      policies: [{type: Pods, value: 1, periodSeconds: 60}]"));
        var replicas = 10;
        var seen = new List<int>();
        for (var t = 1; t <= 24; t++)
        {
            replicas = controller.Sync(Sync * t, replicas, replicas, replicas, [External(t == 1 ? 100 : 30)]).Replicas;
            seen.Add(replicas);
        }

        // Held while a 10-replica recommendation is in the 60 s window (the first sync and the seed, both at 15 s),
        // then one pod per policy period.
        Assert.Equal([10, 10, 10, 10, 9, 9, 9, 9, 8, 8, 8, 8, 7, 7, 7, 7, 6, 6, 6, 6, 5, 5, 5, 5], seen);
    }

    [Fact]
    public void PreChecks_OutsideTheRange_GoStraightToTheBound()
    {
        var controller = new HpaController(Spec(AverageTen, min: 2, max: 8));

        Assert.Equal(8, controller.Sync(Sync, 12, 12, 12, [External(1)]).Replicas);
        Assert.Equal(2, controller.Sync(Sync * 2, 1, 1, 1, [External(1000)]).Replicas);
        Assert.Equal(0, controller.Sync(Sync * 3, 0, 0, 0, [External(1000)]).Replicas);
    }

    [Fact]
    public void CpuUtilization_UnreadyPodsCountAsZeroOnAScaleUp_MissingOnesAtTheRequestOnAScaleDown()
    {
        var controller = new HpaController(Spec("""
                - type: Resource
                  resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
            """));

        // 4 ready pods at 140% of a 100m request, 4 starting: ratio 2 → with the starting ones at 0: 1.0 → hold.
        PodCpu[] busy = [.. Enumerable.Repeat(new PodCpu(true, 140, 100), 4), .. Enumerable.Repeat(new PodCpu(false, null, 100), 4)];
        Assert.Equal(8, controller.Sync(Sync, 8, 8, 4, [new CpuReading(busy)]).Replicas);

        // 2 ready pods at 210%, 2 starting: 3.0 → (420 + 0) / 400 = 105% → 1.5 → ceil(1.5 × 4) = 6.
        PodCpu[] surging = [new(true, 210, 100), new(true, 210, 100), new(false, null, 100), new(false, null, 100)];
        Assert.Equal(6, new HpaController(controller.Spec).Sync(Sync, 4, 4, 2, [new CpuReading(surging)]).Replicas);

        // 4 ready at 35%, 4 without metrics yet: a scale-down counts them at 100% → 67% → within tolerance of 70%: hold.
        PodCpu[] quiet = [.. Enumerable.Repeat(new PodCpu(true, 35, 100), 4), .. Enumerable.Repeat(new PodCpu(true, null, 100), 4)];
        Assert.Equal(8, new HpaController(controller.Spec).Sync(Sync, 8, 8, 8, [new CpuReading(quiet)]).Replicas);
    }

    [Fact]
    public void Recording_OfKubeControllerManager1261_IsReproducedSyncBySync()
    {
        var recording = HpaRecording.Parse(File.ReadAllText(SharedData.Path("kubernetes", "hpa-recordings", "tolerance-and-failures.json")));

        var replayed = recording.Replay();

        Assert.Equal(HpaRelease.Kubernetes126, recording.Release);
        Assert.Equal(recording.Syncs.Count, replayed.Count);
        for (var i = 0; i < replayed.Count; i++)
        {
            Assert.True(recording.Syncs[i].ReplicasAfter == replayed[i].Replicas,
                $"sync {i} at t={recording.Syncs[i].T}: the controller chose {recording.Syncs[i].ReplicasAfter}, the model {replayed[i].Replicas}");
        }
    }

    [Theory]
    [InlineData("spec: {maxReplicas: 3}", "spec.metrics")]
    [InlineData("spec: {minReplicas: 5, maxReplicas: 3, metrics: []}", "minReplicas")]
    [InlineData("apiVersion: autoscaling/v1\nspec: {maxReplicas: 3}", "autoscaling/v2")]
    [InlineData("spec: {maxReplicas: 3, metrics: [{type: Pods}]}", "only External and Resource")]
    [InlineData("spec: {maxReplicas: 3, metrics: [{type: External, external: {metric: {name: x}, target: {type: AverageValue, averageValue: \"-1\"}}}]}", "must be > 0")]
    [InlineData("spec: {maxReplicas: 3, metrics: [{type: External, external: {metric: {name: x}, target: {type: AverageValue, averageValue: \"1\"}}}], behavior: {scaleUp: {selectPolicy: Sometimes}}}", "selectPolicy")]
    public void Parse_InvalidSpec_SaysWhichField(string yaml, string expected)
    {
        var error = Assert.Throws<FormatException>(() => HpaSpec.Parse(yaml));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BehaviorPresent_IsDefaultedAsTheApiServerDoes()
    {
        var spec = Spec(AverageTen, "    scaleDown: {stabilizationWindowSeconds: 60}");

        Assert.Equal(0, spec.Behavior!.ScaleUp.StabilizationWindowSeconds);
        Assert.Equal([new HpaPolicy(HpaPolicyType.Pods, 4, 15), new HpaPolicy(HpaPolicyType.Percent, 100, 15)], spec.Behavior.ScaleUp.Policies);
        Assert.Equal("Max", spec.Behavior.ScaleDown.SelectPolicy);
        Assert.Equal([new HpaPolicy(HpaPolicyType.Percent, 100, 15)], spec.Behavior.ScaleDown.Policies);
        Assert.Null(Spec(AverageTen).Behavior);
    }
}
