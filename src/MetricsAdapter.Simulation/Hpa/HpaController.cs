namespace MetricsAdapter.Simulation.Hpa;

/// <summary>Which release's arithmetic the model follows where releases differ (contracts §1.3).</summary>
public enum HpaRelease
{
    /// <summary>kube-controller-manager v1.26: the band test is <c>|1 − r| ≤ tolerance</c> in float64 (scales at exactly 1.1).</summary>
    Kubernetes126,

    /// <summary>Recent releases: <c>(1 − tDown) ≤ r ≤ (1 + tUp)</c>, inclusive, with per-HPA tolerances.</summary>
    Current,
}

/// <summary>The controller's flags (<c>--horizontal-pod-autoscaler-*</c>), defaults as shipped.</summary>
public sealed record HpaControllerFlags
{
    public TimeSpan SyncPeriod { get; init; } = TimeSpan.FromSeconds(15);

    public double Tolerance { get; init; } = 0.1;

    public TimeSpan DownscaleStabilization { get; init; } = TimeSpan.FromMinutes(5);

    public HpaRelease Release { get; init; } = HpaRelease.Current;
}

/// <summary>What one metric read at a sync: the sum of an external metric's items, or the CPU of the target's pods.</summary>
public abstract record MetricReading;

/// <summary>An external metric: the sum of its items in milli-units, or null when the fetch failed or the list was empty.</summary>
public sealed record ExternalReading(long? UsageMilli) : MetricReading;

/// <summary>The pods matching the scale selector with their CPU request and, where metrics-server has one, their usage.</summary>
public sealed record CpuReading(IReadOnlyList<PodCpu> Pods) : MetricReading;

/// <param name="Ready">Running with condition Ready (started and past its readiness delay).</param>
/// <param name="UsageMilli">Metrics-server's CPU usage in millicores, or null when it has none for the pod yet.</param>
/// <param name="RequestMilli">The pod's CPU request in millicores.</param>
public readonly record struct PodCpu(bool Ready, long? UsageMilli, long RequestMilli);

/// <summary>One sync's outcome.</summary>
/// <param name="Replicas">The scale's replicas after the sync.</param>
/// <param name="Proposed">The metrics' proposal before normalisation, or null when the metrics gave none.</param>
/// <param name="ScalingActive">The ScalingActive condition's reason (<c>ValidMetricFound</c>, <c>FailedGetExternalMetric</c>, …).</param>
/// <param name="Limited">The ScalingLimited/AbleToScale reason that bounded the proposal, if one did.</param>
public sealed record HpaSyncResult(int Replicas, int? Proposed, string ScalingActive, string? Limited);

/// <summary>
/// The stock HPA controller's decision for one HPA, sync by sync, in the controller's own arithmetic: milli-unit
/// integers, the tolerance band, several metrics combined by max, the failed-metric rules, the legacy normalisation
/// when <c>behavior</c> is absent, and stabilisation windows and rate policies when it is present (kubernetes/kubernetes
/// <c>pkg/controller/podautoscaler</c>: <c>horizontal.go</c>, <c>replica_calculator.go</c>; contracts §1).
/// </summary>
public sealed class HpaController
{
    private readonly HpaSpec _spec;
    private readonly HpaControllerFlags _flags;
    private readonly List<(TimeSpan At, int Replicas)> _recommendations = [];
    private readonly List<ScaleEvent> _scaleUpEvents = [];
    private readonly List<ScaleEvent> _scaleDownEvents = [];

    public HpaController(HpaSpec spec, HpaControllerFlags? flags = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _spec = spec;
        _flags = flags ?? new HpaControllerFlags();
    }

    public HpaSpec Spec => _spec;

    /// <summary>
    /// Reconciles once at <paramref name="now"/>. <paramref name="specReplicas"/> is the scale's spec.replicas,
    /// <paramref name="statusReplicas"/> its status.replicas; <paramref name="readings"/> follow <see cref="HpaSpec.Metrics"/>.
    /// </summary>
    public HpaSyncResult Sync(TimeSpan now, int specReplicas, int statusReplicas, int readyPods, IReadOnlyList<MetricReading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        if (readings.Count != _spec.Metrics.Count)
        {
            throw new ArgumentException($"{_spec.Metrics.Count} readings expected, one per metric", nameof(readings));
        }

        if (_recommendations.Count == 0)
        {
            _recommendations.Add((now, specReplicas));
        }

        int desired;
        string? limited = null;
        if (specReplicas == 0 && _spec.MinReplicas != 0)
        {
            return new HpaSyncResult(0, null, "ScalingDisabled", null);
        }

        if (specReplicas > _spec.MaxReplicas)
        {
            desired = _spec.MaxReplicas;
            limited = "TooManyReplicas";
        }
        else if (specReplicas < _spec.MinReplicas)
        {
            desired = _spec.MinReplicas;
            limited = "TooFewReplicas";
        }
        else
        {
            var (proposal, failure) = ComputeReplicasForMetrics(specReplicas, statusReplicas, readyPods, readings);
            if (proposal < 0)
            {
                // A scale-down while some metric is unknown, or no metric at all: hold, and keep no history.
                return new HpaSyncResult(specReplicas, null, failure!, null);
            }

            (desired, limited) = _spec.Behavior is null
                ? NormaliseLegacy(now, specReplicas, proposal)
                : NormaliseWithBehaviour(now, specReplicas, proposal);
            if (desired != specReplicas && _spec.Behavior is not null)
            {
                StoreScaleEvent(now, specReplicas, desired);
            }

            return new HpaSyncResult(desired, proposal, failure ?? "ValidMetricFound", limited);
        }

        return new HpaSyncResult(desired, null, "ValidMetricFound", limited);
    }

    /// <returns>The largest proposal of the metrics that could be computed, or −1 when the controller must not scale.</returns>
    private (int Proposal, string? Failure) ComputeReplicasForMetrics(int specReplicas, int statusReplicas, int readyPods, IReadOnlyList<MetricReading> readings)
    {
        var replicas = 0;
        var invalid = 0;
        string? firstFailure = null;
        for (var i = 0; i < _spec.Metrics.Count; i++)
        {
            var proposal = ReplicasForMetric(_spec.Metrics[i], readings[i], specReplicas, statusReplicas, readyPods);
            if (proposal is null)
            {
                firstFailure ??= _spec.Metrics[i].Type == "External" ? "FailedGetExternalMetric" : "FailedGetResourceMetric";
                invalid++;
                continue;
            }

            if (replicas == 0 || proposal.Value > replicas)
            {
                replicas = proposal.Value;
            }
        }

        if (invalid >= _spec.Metrics.Count || (invalid > 0 && replicas < specReplicas))
        {
            return (-1, firstFailure);
        }

        return (replicas, firstFailure);
    }

    private int? ReplicasForMetric(HpaMetric metric, MetricReading reading, int specReplicas, int statusReplicas, int readyPods)
    {
        switch (metric.TargetType, reading)
        {
            case (HpaTargetType.AverageValue, ExternalReading { UsageMilli: { } usage }):
            {
                var target = metric.Target.MilliValue();
                var ratio = usage / ((double)target * statusReplicas);
                if (Within(ratio))
                {
                    return statusReplicas;
                }

                return (int)Math.Min(int.MaxValue, Math.Ceiling(usage / (double)target));
            }

            case (HpaTargetType.Value, ExternalReading { UsageMilli: { } usage }):
            {
                var ratio = usage / (double)metric.Target.MilliValue();
                if (specReplicas == 0)
                {
                    return (int)Math.Ceiling(ratio);
                }

                if (Within(ratio))
                {
                    return specReplicas;
                }

                return readyPods == 0 && specReplicas > 0 ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(ratio * readyPods));
            }

            case (HpaTargetType.Utilization, CpuReading cpu):
                return CpuReplicas(cpu.Pods, (int)metric.Target.Value(), specReplicas);

            default:
                return null;
        }
    }

    /// <summary><c>GetResourceReplicas</c>: integer utilisation over pods with metrics, with unready and missing pods substituted.</summary>
    private int? CpuReplicas(IReadOnlyList<PodCpu> pods, int targetUtilization, int currentReplicas)
    {
        if (pods.Count == 0)
        {
            return null;
        }

        var ready = pods.Where(p => p.Ready && p.UsageMilli is not null).ToList();
        var unready = pods.Where(p => !p.Ready).ToList();
        var missing = pods.Where(p => p.Ready && p.UsageMilli is null).ToList();
        if (ready.Count == 0)
        {
            return null;
        }

        var usageRatio = Utilisation(ready.Select(p => (p.UsageMilli!.Value, p.RequestMilli)), targetUtilization);
        var scaleUpWithUnready = unready.Count > 0 && usageRatio > 1.0;
        if (!scaleUpWithUnready && missing.Count == 0)
        {
            return Within(usageRatio) ? currentReplicas : (int)Math.Ceiling(usageRatio * ready.Count);
        }

        var adjusted = ready.Select(p => (p.UsageMilli!.Value, p.RequestMilli)).ToList();
        if (missing.Count > 0)
        {
            // A scale-down counts missing pods at max(100%, target) of their request, a scale-up at 0.
            var fallback = usageRatio < 1.0 ? Math.Max(100, targetUtilization) : 0;
            adjusted.AddRange(missing.Select(p => (p.RequestMilli * fallback / 100, p.RequestMilli)));
        }

        if (scaleUpWithUnready)
        {
            adjusted.AddRange(unready.Select(p => (0L, p.RequestMilli)));
        }

        var newRatio = Utilisation(adjusted, targetUtilization);
        if (Within(newRatio) || (usageRatio > 1.0 && newRatio < 1.0) || (usageRatio < 1.0 && newRatio > 1.0))
        {
            return currentReplicas;
        }

        var newReplicas = (int)Math.Ceiling(newRatio * adjusted.Count);
        return (newRatio < 1.0 && newReplicas > currentReplicas) || (newRatio > 1.0 && newReplicas < currentReplicas) ? currentReplicas : newReplicas;
    }

    /// <summary>Utilisation as the controller computes it: an integer percentage of the summed requests, over the target.</summary>
    private static double Utilisation(IEnumerable<(long Usage, long Request)> pods, int targetUtilization)
    {
        long usage = 0, requests = 0;
        foreach (var (podUsage, request) in pods)
        {
            usage += podUsage;
            requests += request;
        }

        var utilization = requests == 0 ? 0 : (int)(usage * 100 / requests);
        return utilization / (double)targetUtilization;
    }

    private bool Within(double ratio)
    {
        if (_flags.Release == HpaRelease.Kubernetes126)
        {
            return Math.Abs(1.0 - ratio) <= _flags.Tolerance;
        }

        var up = _spec.Behavior?.ScaleUp.Tolerance ?? _flags.Tolerance;
        var down = _spec.Behavior?.ScaleDown.Tolerance ?? _flags.Tolerance;
        return 1 - down <= ratio && ratio <= 1 + up;
    }

    /// <summary><c>normalizeDesiredReplicas</c>: the highest recommendation of the stabilisation window, then the legacy clamp.</summary>
    private (int Replicas, string? Limited) NormaliseLegacy(TimeSpan now, int current, int proposal)
    {
        var stabilised = proposal;
        var oldIndex = -1;
        var cutoff = now - _flags.DownscaleStabilization;
        for (var i = 0; i < _recommendations.Count; i++)
        {
            if (_recommendations[i].At < cutoff)
            {
                oldIndex = i;
            }
            else if (_recommendations[i].Replicas > stabilised)
            {
                stabilised = _recommendations[i].Replicas;
            }
        }

        Record(oldIndex, now, proposal);
        var limited = stabilised != proposal ? "ScaleDownStabilized" : null;
        var scaleUpLimit = (int)Math.Max(2.0 * current, 4.0);
        var maximum = Math.Min(_spec.MaxReplicas, scaleUpLimit);
        if (stabilised < _spec.MinReplicas)
        {
            return (_spec.MinReplicas, "TooFewReplicas");
        }

        if (stabilised > maximum)
        {
            return (maximum, _spec.MaxReplicas > scaleUpLimit ? "ScaleUpLimit" : "TooManyReplicas");
        }

        return (stabilised, limited);
    }

    /// <summary><c>normalizeDesiredReplicasWithBehaviors</c>: both stabilisation windows, then the rate policies.</summary>
    private (int Replicas, string? Limited) NormaliseWithBehaviour(TimeSpan now, int current, int proposal)
    {
        var behaviour = _spec.Behavior!;
        var upWindow = TimeSpan.FromSeconds(behaviour.ScaleUp.StabilizationWindowSeconds ?? 0);
        var downWindow = behaviour.ScaleDown.StabilizationWindowSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : _flags.DownscaleStabilization;
        var (upCutoff, downCutoff) = (now - upWindow, now - downWindow);
        var (up, down) = (proposal, proposal);
        var oldIndex = -1;
        for (var i = 0; i < _recommendations.Count; i++)
        {
            var (at, replicas) = _recommendations[i];
            if (at > upCutoff)
            {
                up = Math.Min(up, replicas);
            }

            if (at > downCutoff)
            {
                down = Math.Max(down, replicas);
            }

            if (at < upCutoff && at < downCutoff)
            {
                oldIndex = i;
            }
        }

        var stabilised = Math.Min(Math.Max(current, up), down);
        Record(oldIndex, now, proposal);
        string? limited = stabilised != proposal ? (stabilised < proposal ? "ScaleUpStabilized" : "ScaleDownStabilized") : null;
        if (stabilised > current)
        {
            var limit = Math.Max(ScaleUpLimit(now, current, behaviour.ScaleUp), current);
            var maximum = Math.Min(_spec.MaxReplicas, limit);
            if (stabilised > maximum)
            {
                return (maximum, _spec.MaxReplicas > limit ? "ScaleUpLimit" : "TooManyReplicas");
            }
        }
        else if (stabilised < current)
        {
            var limit = Math.Min(ScaleDownLimit(now, current, behaviour.ScaleDown), current);
            var minimum = Math.Max(_spec.MinReplicas, limit);
            if (stabilised < minimum)
            {
                return (minimum, _spec.MinReplicas < limit ? "ScaleDownLimit" : "TooFewReplicas");
            }
        }

        return (stabilised, limited);
    }

    private void Record(int oldIndex, TimeSpan now, int proposal)
    {
        if (oldIndex >= 0)
        {
            _recommendations[oldIndex] = (now, proposal);
        }
        else
        {
            _recommendations.Add((now, proposal));
        }
    }

    private int ScaleUpLimit(TimeSpan now, int current, HpaScalingRules rules)
    {
        if (rules.SelectPolicy == "Disabled")
        {
            return current;
        }

        var max = rules.SelectPolicy != "Min";
        var result = max ? int.MinValue : int.MaxValue;
        foreach (var policy in rules.Policies)
        {
            var start = current - Changes(now, policy.PeriodSeconds, _scaleUpEvents) + Changes(now, policy.PeriodSeconds, _scaleDownEvents);
            var proposed = policy.Type == HpaPolicyType.Pods ? start + policy.Value : (int)Math.Ceiling(start * (1 + (policy.Value / 100.0)));
            result = max ? Math.Max(result, proposed) : Math.Min(result, proposed);
        }

        return result;
    }

    private int ScaleDownLimit(TimeSpan now, int current, HpaScalingRules rules)
    {
        if (rules.SelectPolicy == "Disabled")
        {
            return current;
        }

        // For a scale-down, Max selects the biggest change, i.e. the lowest proposal.
        var biggestChange = rules.SelectPolicy != "Min";
        var result = biggestChange ? int.MaxValue : int.MinValue;
        foreach (var policy in rules.Policies)
        {
            var start = current - Changes(now, policy.PeriodSeconds, _scaleUpEvents) + Changes(now, policy.PeriodSeconds, _scaleDownEvents);
            var proposed = policy.Type == HpaPolicyType.Pods ? start - policy.Value : (int)(start * (1 - (policy.Value / 100.0)));
            result = biggestChange ? Math.Min(result, proposed) : Math.Max(result, proposed);
        }

        return result;
    }

    private static int Changes(TimeSpan now, int periodSeconds, List<ScaleEvent> events)
    {
        var cutoff = now - TimeSpan.FromSeconds(periodSeconds);
        var total = 0;
        foreach (var scaleEvent in events)
        {
            if (scaleEvent.At > cutoff)
            {
                total += scaleEvent.Change;
            }
        }

        return total;
    }

    /// <summary><c>storeScaleEvent</c>: events older than the direction's longest policy period are replaced first.</summary>
    private void StoreScaleEvent(TimeSpan now, int previous, int next)
    {
        var (events, rules, change) = next > previous
            ? (_scaleUpEvents, _spec.Behavior!.ScaleUp, next - previous)
            : (_scaleDownEvents, _spec.Behavior!.ScaleDown, previous - next);
        var longest = TimeSpan.FromSeconds(rules.Policies.Count == 0 ? 0 : rules.Policies.Max(p => p.PeriodSeconds));
        var outdated = events.FindIndex(e => e.At < now - longest);
        if (outdated >= 0)
        {
            events[outdated] = new ScaleEvent(now, change);
        }
        else
        {
            events.Add(new ScaleEvent(now, change));
        }
    }

    private readonly record struct ScaleEvent(TimeSpan At, int Change);
}
