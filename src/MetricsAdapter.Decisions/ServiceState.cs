using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Observations;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Core.Quantities;
using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Prediction.Forecasting;
using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Decisions;

/// <summary>What became of one observation.</summary>
internal enum IngestOutcome
{
    Accepted,
    Late,
    Duplicate,
    Future,
    TooManyPods,
}

/// <summary>
/// Everything the decision manager knows about one service: its pods, what they reported since the last tick and
/// model step, its two models, and what was served. Not thread-safe: the manager holds <see cref="Gate"/>.
/// </summary>
internal sealed class ServiceState
{
    private readonly DecisionOptions _options;
    private readonly Dictionary<string, PodState> _pods = new(StringComparer.Ordinal);
    private readonly LatencyAccumulator _tickLatency = new();
    private readonly LatencyAccumulator _stepLatency = new();
    private readonly RingBuffer _recentRates;
    private readonly RingBuffer _recentLoad;
    private readonly MetricMemory _load = new();
    private readonly MetricMemory _score = new();
    private double _tickRequests;
    private double _tickErrors;
    private DateTimeOffset? _oldestPublishedInTick;
    private double _stepRateSum;
    private int _stepRateTicks;
    private (double Value, DateTimeOffset At)? _lastGood;
    private double? _heldBeforeSilence;
    private double? _detectorScore;
    private DateTimeOffset? _lastLatencySeen;
    private long _lost;
    private double _recentHigh;
    private readonly double _highDecay;
    private DateTimeOffset? _lastTick;
    private double? _lastGoodScore;
    private List<(string Kind, string Failure)>? _quarantines;

    public ServiceState(ServiceKey key, LabelSet labels, DecisionOptions options, IServiceModelFactory models)
    {
        Key = key;
        Labels = labels;
        _options = options;
        _recentRates = new RingBuffer(options.EvidenceTicks);
        _highDecay = Math.Pow(0.5, options.Tick / TimeSpan.FromMinutes(30));
        _recentLoad = new RingBuffer((int)Math.Ceiling(options.PodSilentAfter / options.Tick) + 1);
        Forecaster = new ModelSlot<IForecaster>(() => models.CreateForecaster(key), models.Describe);
        Detector = new ModelSlot<IAnomalyDetector>(() => models.CreateDetector(key), models.Describe);
    }

    public Lock Gate { get; } = new();

    /// <summary>Set under <see cref="Gate"/> when the manager forgets the service: an observation that finds it set looks again.</summary>
    public bool Forgotten { get; set; }

    public ServiceKey Key { get; }

    public LabelSet Labels { get; }

    public ModelSlot<IForecaster> Forecaster { get; }

    public ModelSlot<IAnomalyDetector> Detector { get; }

    /// <summary>When the newest observation arrived (our clock).</summary>
    public DateTimeOffset? NewestArrival { get; private set; }

    /// <summary>Sequence gaps seen since the last call, for the loss counter.</summary>
    public long TakeLost()
    {
        var lost = _lost;
        _lost = 0;
        return lost;
    }

    public IngestOutcome Ingest(Observation observation, DateTimeOffset arrival, DateTimeOffset? published)
    {
        if (observation.End < arrival - _options.MaxObservationAge)
        {
            return IngestOutcome.Late;
        }

        if (observation.End > arrival + _options.MaxClockSkew)
        {
            return IngestOutcome.Future;
        }

        if (!_pods.TryGetValue(observation.Pod, out var pod))
        {
            if (_pods.Count >= _options.MaxPodsPerService)
            {
                return IngestOutcome.TooManyPods;
            }

            pod = new PodState { FirstSeen = arrival };
            _pods.Add(observation.Pod, pod);
        }
        else if (pod.LastSequence is { } last)
        {
            var restarted = observation.HasFlag(ObservationFlags.FirstInterval) || observation.Sequence == 0
                || (observation.Instance is { } instance && pod.Instance is { } previous && !string.Equals(instance, previous, StringComparison.Ordinal));
            if (!restarted && observation.Sequence <= last)
            {
                return IngestOutcome.Duplicate;
            }

            if (!restarted && observation.Sequence > last + 1)
            {
                _lost += observation.Sequence - last - 1;
            }
        }

        pod.LastSequence = observation.Sequence;
        pod.Instance = observation.Instance ?? pod.Instance;
        pod.LastArrival = arrival;
        pod.SilentSince = null;
        pod.Stopping = observation.HasFlag(ObservationFlags.PodStopping);
        if (!observation.HasFlag(ObservationFlags.ScrapeFailed))
        {
            // A failed scrape says nothing about load: the pod counts as reporting, its rate is carried.
            pod.PendingRequests += observation.Requests;
            pod.PendingSeconds += (observation.End - observation.Start).TotalSeconds;
            pod.LastScore = observation.PodAnomalyScore;
            _tickRequests += observation.Requests;
            _tickErrors += observation.Errors;
            if (observation.Latency is { } latency)
            {
                _tickLatency.Add(latency);
                _lastLatencySeen = arrival;
            }
        }

        NewestArrival = NewestArrival is { } newest && newest > arrival ? newest : arrival;
        if (published is { } time && (_oldestPublishedInTick is null || time < _oldestPublishedInTick))
        {
            _oldestPublishedInTick = time;
        }

        return IngestOutcome.Accepted;
    }

    /// <summary>The publish time of the oldest observation taken in since the last tick, then forgets it.</summary>
    public DateTimeOffset? TakeOldestPublished()
    {
        var oldest = _oldestPublishedInTick;
        _oldestPublishedInTick = null;
        return oldest;
    }

    /// <summary>
    /// Decides both metrics for <paramref name="tick"/>: at most one decision each (none while withdrawn). Learns a
    /// model step first when the tick ends one. Model faults quarantine the model; they never escape.
    /// </summary>
    public void Tick(DateTimeOffset tick, List<Decision> decisions)
    {
        var age = NewestArrival is { } newest ? tick - newest : TimeSpan.MaxValue;
        var stale = age > _options.StaleAfter;
        var (observed, reporting, silent) = UpdatePods(tick, stale);
        RememberRate(observed);
        var tickLatency = _tickLatency.Summarise();
        _stepLatency.Add(_tickLatency);
        _tickLatency.Clear();
        var errorRatio = _tickRequests > 0 ? _tickErrors / _tickRequests : (double?)null;
        (_tickRequests, _tickErrors) = (0, 0);

        if (!stale && observed is { } rate)
        {
            _stepRateSum += rate;
            _stepRateTicks++;
        }

        var stepLatency = _stepLatency.Quantile(_options.LatencyQuantile);
        var stepTicks = _options.ModelStep.Ticks;
        var crossed = _lastTick is { } previous ? (tick.UtcTicks / stepTicks) - (previous.UtcTicks / stepTicks) : IsStepBoundary(tick) ? 1 : 0;
        _lastTick = tick;
        if (crossed > 0)
        {
            // Ticks skipped (an overrun, a restart) must not merge model steps: the missed ones are gaps.
            LearnStep(tick, (int)Math.Min(crossed - 1, _options.SeasonSteps));
        }

        if (age > _options.StopServingAfter)
        {
            Withdraw(tick, decisions, age);
            return;
        }

        var inputs = new DecisionInputs
        {
            PodsReporting = reporting,
            PodsSilent = silent,
            ObservedRequestsPerSecond = observed,
            PeakRequestsPerSecond = Peak(),
            ErrorRatio = errorRatio,
            Latency = tickLatency,
            WindowSeconds = _options.Tick.TotalSeconds,
            NewestObservation = NewestArrival,
            PodAnomalyScoreMax = PodScoreMax(tick),
        };
        decisions.Add(DecideLoad(tick, age, stale, inputs));
        decisions.Add(DecideScore(tick, age, stale, inputs, stepLatency));
    }

    private bool IsStepBoundary(DateTimeOffset tick) => tick.UtcTicks % _options.ModelStep.Ticks == 0;

    private (double? Observed, int Reporting, int Silent) UpdatePods(DateTimeOffset tick, bool stale)
    {
        double reportingRate = 0;
        foreach (var pod in _pods.Values)
        {
            pod.FreshThisTick = pod.PendingSeconds > 0;
            if (pod.FreshThisTick)
            {
                pod.Rate = pod.PendingRequests / pod.PendingSeconds;
                (pod.PendingRequests, pod.PendingSeconds) = (0, 0);
            }

            if (tick - pod.LastArrival <= _options.PodSilentAfter && !pod.Stopping)
            {
                reportingRate += pod.Rate ?? 0;
            }
        }

        foreach (var pod in _pods.Values)
        {
            if (pod.FreshThisTick)
            {
                // What the others carried while this pod still served: if they later carry its share too, it is gone.
                pod.OthersAtLastReport = reportingRate - (pod.Rate ?? 0);
            }
        }

        var reporting = 0;
        var silent = 0;
        double? total = null;
        List<string>? gone = null;
        foreach (var (name, pod) in _pods)
        {
            var quiet = tick - pod.LastArrival;

            // Whether a pod is gone is judged only while its service's other pods report: when every pod is
            // silent, the pipeline is broken, not the service.
            if (!stale && IsGone(pod, quiet, reportingRate))
            {
                (gone ??= []).Add(name);
                continue;
            }

            if (quiet <= _options.PodSilentAfter)
            {
                reporting++;
            }
            else
            {
                silent++;
                pod.SilentSince ??= tick;
            }

            if (pod.Rate is { } rate)
            {
                total = (total ?? 0) + rate;
            }
        }

        foreach (var name in gone ?? [])
        {
            _pods.Remove(name);
        }

        return (total, reporting, silent);
    }

    /// <summary>
    /// A silent pod is gone — and its rate no longer carried — when it said it was stopping; or past
    /// <see cref="DecisionOptions.PodGoneAfter"/> when the others have taken over its load or a pod has appeared
    /// since it went quiet (a replacement); or past <see cref="DecisionOptions.PodSilentMax"/> in any case.
    /// </summary>
    private bool IsGone(PodState pod, TimeSpan quiet, double reportingRate)
    {
        if (pod.Stopping)
        {
            return true;
        }

        if (quiet <= _options.PodGoneAfter || pod.SilentSince is null)
        {
            return false;
        }

        if (quiet > _options.PodSilentMax)
        {
            return true;
        }

        var absorbed = reportingRate >= pod.OthersAtLastReport + (0.8 * (pod.Rate ?? 0));
        var replaced = _pods.Values.Any(other => !ReferenceEquals(other, pod) && other.SilentSince is null
            && other.FirstSeen > pod.FirstSeen && other.FirstSeen > pod.LastArrival - _options.PodSilentAfter);
        return absorbed || replaced;
    }

    private void RememberRate(double? observed)
    {
        // The highest rate seen lately, forgetting with a half-life of 30 minutes.
        _recentHigh = Math.Max(observed ?? 0, _recentHigh * _highDecay);
        _recentRates.Add(observed ?? double.NaN);
    }

    private double? Peak() => Highest(_recentRates);

    /// <summary>The highest finite value of a ring (NaN marks a tick with nothing to remember), or null.</summary>
    private static double? Highest(RingBuffer ring)
    {
        double? highest = null;
        for (var i = 0; i < ring.Count; i++)
        {
            var value = ring[i];
            if (double.IsFinite(value) && (highest is null || value > highest))
            {
                highest = value;
            }
        }

        return highest;
    }

    private double? PodScoreMax(DateTimeOffset tick)
    {
        double? max = null;
        foreach (var pod in _pods.Values)
        {
            if (tick - pod.LastArrival <= _options.PodSilentAfter && pod.LastScore is { } score && (max is null || score > max))
            {
                max = score;
            }
        }

        return max;
    }

    private void LearnStep(DateTimeOffset tick, int missed)
    {
        var rate = _stepRateTicks > 0 ? _stepRateSum / _stepRateTicks : double.NaN;
        var latency = _stepLatency.Quantile(_options.LatencyQuantile);
        (_stepRateSum, _stepRateTicks) = (0, 0);
        _stepLatency.Clear();

        if (Forecaster.Available(tick) is { } forecaster)
        {
            Guard(Forecaster, tick, "forecaster", () =>
            {
                for (var i = 0; i < missed; i++)
                {
                    forecaster.Skip();
                }

                if (double.IsNaN(rate))
                {
                    forecaster.Skip();
                }
                else
                {
                    forecaster.Learn(rate);
                }
            });
        }

        if (!double.IsNaN(latency) && Detector.Available(tick) is { } detector)
        {
            Guard(Detector, tick, "detector", () =>
            {
                var score = detector.ScoreAndLearn(latency);
                if (!double.IsFinite(score) || score < 0 || score > 1)
                {
                    throw new ModelAnswerException($"score {score.ToString(System.Globalization.CultureInfo.InvariantCulture)} is outside [0, 1]");
                }

                _detectorScore = score;
                _lastGoodScore = score;
            });
        }
    }

    private Decision DecideLoad(DateTimeOffset tick, TimeSpan age, bool stale, DecisionInputs inputs)
    {
        Forecast? forecast = null;
        ModelIdentity? identity = null;
        var forecaster = Forecaster.Available(tick);
        if (forecaster is not null && forecaster.IsWarm)
        {
            Guard(Forecaster, tick, "forecaster", () =>
            {
                var f = forecaster.Forecast(_options.HorizonSteps);
                if (!double.IsFinite(f.Point) || !double.IsFinite(f.Upper))
                {
                    throw new ModelAnswerException("forecast is not a finite number");
                }

                // A trend can point below zero; a rate cannot.
                forecast = new Forecast(Math.Max(0, f.Point), Math.Max(0, Math.Max(f.Point, f.Upper)));
            });
            identity = Forecaster.Identity;
        }

        // A forecast far above anything the service has shown lately is a model artefact (an upper quantile built on
        // a handful of wild residuals), not foresight: it is capped, and the explanation says so.
        var capped = false;
        var ceiling = _options.MaxForecastRatio * Math.Max(_recentHigh, inputs.ObservedRequestsPerSecond ?? 0);
        if (forecast is { } raw && raw.Upper > ceiling && ceiling > 0)
        {
            forecast = new Forecast(Math.Min(raw.Point, ceiling), ceiling);
            capped = true;
        }

        if (forecast is { } good && !stale)
        {
            _lastGood = (good.Upper, tick);
        }

        if (inputs.PodsSilent == 0 || stale)
        {
            _heldBeforeSilence = null;
        }
        else if (_heldBeforeSilence is null)
        {
            // A pod counts as silent only PodSilentAfter after its last report: take the highest value served
            // since then, so nothing that happened after it went quiet lowers the floor.
            _heldBeforeSilence = Highest(_recentLoad);
        }

        var slot = Forecaster;
        var outcome = DecisionRules.Load(new LoadEvidence
        {
            Horizon = _options.Horizon,
            Age = age,
            Stale = stale,
            Observed = inputs.ObservedRequestsPerSecond,
            Peak = inputs.PeakRequestsPerSecond,
            PodsReporting = inputs.PodsReporting,
            PodsSilent = inputs.PodsSilent,
            Forecast = forecast,
            Model = identity,
            ModelFailure = slot.Model is null ? slot.Failure : null,
            ModelSteps = slot.Model?.Observations ?? 0,
            LastGood = _lastGood,
            Now = tick,
            EvidenceWindow = _options.EvidenceWindow,
            Quarantine = _options.Quarantine,
            HeldBeforeSilence = _heldBeforeSilence,
            LastServed = _load.LastServed,
        });
        if (capped && outcome.Reason is null)
        {
            outcome = outcome with { Explanation = outcome.Explanation + $" The model's forecast was capped at {DecisionRules.Rate(ceiling)}, {_options.MaxForecastRatio.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)}× the highest rate seen lately." };
        }

        return Record(_load, MetricNames.PredictedLoad, tick, outcome, _options.Horizon, inputs with
        {
            ForecastPoint = forecast?.Point,
            ForecastUpper = forecast?.Upper,
            ModelSteps = slot.Model?.Observations,
        }, Quantity.FromDouble(outcome.Value, MidpointRounding.ToPositiveInfinity));
    }

    private Decision DecideScore(DateTimeOffset tick, TimeSpan age, bool stale, DecisionInputs inputs, double stepLatency)
    {
        var detector = Detector.Available(tick);
        var hasLatency = _lastLatencySeen is { } seen && tick - seen <= _options.EvidenceWindow;
        var hadLatency = _lastLatencySeen is { } last && tick - last <= _options.StopServingAfter;
        var outcome = DecisionRules.Score(new ScoreEvidence
        {
            Stale = stale,
            Age = age,
            HasLatencyData = hasLatency,
            HadLatencyRecently = hadLatency,
            LastGoodScore = _lastGoodScore,
            DetectorScore = _detectorScore,
            Model = detector is null ? null : Detector.Identity,
            ModelFailure = detector is null ? Detector.Failure : null,
            Warm = detector?.IsWarm ?? false,
            ModelSteps = detector?.Observations ?? 0,
            PodScoreMax = inputs.PodAnomalyScoreMax,
            LastServed = _score.LastServed,
            LatencyQuantile = _options.LatencyQuantile,
            LatencyAtQuantile = double.IsNaN(stepLatency) ? inputs.Latency?.P95Seconds : stepLatency,
        });
        var value = Math.Clamp(outcome.Value, 0, 1);
        return Record(_score, MetricNames.LatencyAnomalyScore, tick, outcome with { Value = value }, null, inputs with
        {
            DetectorScore = _detectorScore,
            ModelSteps = detector?.Observations,
        }, Quantity.FromDouble(value));
    }

    private Decision Record(MetricMemory memory, string metric, DateTimeOffset tick, RuleOutcome outcome, TimeSpan? horizon, DecisionInputs inputs, Quantity value)
    {
        memory.Withdrawn = false;
        return new Decision
        {
            Key = new MetricKey(Key, metric),
            Tick = tick,
            Value = value,
            Labels = Labels,
            Horizon = horizon,
            Model = outcome.Model,
            Inputs = inputs,
            Fallback = memory.Fallback(outcome.Reason, tick),
            Explanation = outcome.Explanation,
        };
    }

    /// <summary>Once, when the hard limit passes: a withdrawal record per metric; then nothing until data returns.</summary>
    private void Withdraw(DateTimeOffset tick, List<Decision> decisions, TimeSpan age)
    {
        foreach (var (memory, metric) in new[] { (_load, MetricNames.PredictedLoad), (_score, MetricNames.LatencyAnomalyScore) })
        {
            if (memory.Withdrawn)
            {
                continue;
            }

            memory.Withdrawn = true;
            decisions.Add(new Decision
            {
                Key = new MetricKey(Key, metric),
                Tick = tick,
                Value = null,
                Labels = Labels,
                Model = DecisionRules.Withdrawn,
                Inputs = new DecisionInputs { NewestObservation = NewestArrival, WindowSeconds = _options.Tick.TotalSeconds },
                Fallback = memory.Fallback(FallbackReasons.NoData, tick),
                Explanation = $"No observation for {DecisionRules.Duration(age)}, past the limit of {DecisionRules.Duration(_options.StopServingAfter)}: the series is no longer served and the HPA holds its replicas.",
            });
        }
    }

    /// <summary>Called once a decision has been recorded and served.</summary>
    public void Served(Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var isLoad = decision.Key.Metric == MetricNames.PredictedLoad;
        var memory = isLoad ? _load : _score;
        memory.LastServed = decision.Value?.ToDouble();
        if (isLoad)
        {
            _recentLoad.Add(memory.LastServed ?? double.NaN);
        }
    }

    /// <summary>Models quarantined since the last call: (forecaster or detector, what went wrong).</summary>
    public IReadOnlyList<(string Kind, string Failure)> TakeQuarantines()
    {
        if (_quarantines is null)
        {
            return [];
        }

        var taken = _quarantines;
        _quarantines = null;
        return taken;
    }

    private void Guard<TModel>(ModelSlot<TModel> slot, DateTimeOffset tick, string kind, Action action)
        where TModel : class, IStatefulModel
    {
        try
        {
            action();
        }
#pragma warning disable CA1031 // A model is code we do not trust at run time: any fault quarantines it, none stops the tick.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            slot.Quarantine(tick, _options.Quarantine, exception is ModelAnswerException ? exception.Message : $"threw {exception.GetType().Name}: {exception.Message}");
            (_quarantines ??= []).Add((kind, slot.Failure!));
        }
    }

    public void Write(StateWriter writer)
    {
        writer.Write(NewestArrival?.UtcTicks ?? 0);
        writer.Write(_lastLatencySeen?.UtcTicks ?? 0);
        writer.Write(_pods.Count);
        foreach (var (name, pod) in _pods)
        {
            writer.Write(name);
            pod.Write(writer);
        }

        writer.WriteDoubles(_recentRates.ToArray());
        writer.Write(_stepRateSum);
        writer.Write(_stepRateTicks);
        writer.WriteNullable(_lastGood?.Value);
        writer.Write(_lastGood?.At.UtcTicks ?? 0);
        writer.WriteNullable(_heldBeforeSilence);
        writer.WriteDoubles(_recentLoad.ToArray());
        writer.WriteNullable(_detectorScore);
        writer.Write(_lastTick?.UtcTicks ?? 0);
        writer.WriteNullable(_lastGoodScore);
        writer.Write(_recentHigh);
        _load.Write(writer);
        _score.Write(writer);
        Forecaster.Write(writer);
        Detector.Write(writer);
    }

    /// <returns>How many of the two models could not be restored (they start cold).</returns>
    public int Read(StateReader reader)
    {
        NewestArrival = ReadTime(reader);
        _lastLatencySeen = ReadTime(reader);
        var pods = reader.ReadInt32();
        for (var i = 0; i < pods; i++)
        {
            var name = reader.ReadString();
            var pod = PodState.Read(reader);
            if (_pods.Count < _options.MaxPodsPerService)
            {
                _pods[name] = pod;
            }
        }

        Refill(_recentRates, reader.ReadDoubles());
        _stepRateSum = reader.ReadDouble();
        _stepRateTicks = reader.ReadInt32();
        var lastGood = reader.ReadNullableDouble();
        var lastGoodAt = ReadTime(reader);
        _lastGood = lastGood is { } value && lastGoodAt is { } at ? (value, at) : null;
        _heldBeforeSilence = reader.ReadNullableDouble();
        Refill(_recentLoad, reader.ReadDoubles());
        _detectorScore = reader.ReadNullableDouble();
        _lastTick = ReadTime(reader);
        _lastGoodScore = reader.ReadNullableDouble();
        _recentHigh = reader.ReadDouble();
        _load.Read(reader);
        _score.Read(reader);
        var cold = Forecaster.Read(reader) ? 0 : 1;
        return cold + (Detector.Read(reader) ? 0 : 1);
    }

    /// <summary>Restores a ring from its values; one saved with another size keeps the newest that fit.</summary>
    private static void Refill(RingBuffer ring, double[] values)
    {
        ring.Clear();
        foreach (var value in values)
        {
            ring.Add(value);
        }
    }

    internal static DateTimeOffset? ReadTime(StateReader reader)
    {
        var ticks = reader.ReadInt64();
        return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
    }

    private sealed class PodState
    {
        public DateTimeOffset LastArrival { get; set; }

        public long? LastSequence { get; set; }

        /// <summary>The sidecar run of the last observation (in memory only: after a restart of ours, the next observation sets it).</summary>
        public string? Instance { get; set; }

        public double? Rate { get; set; }

        public double PendingRequests { get; set; }

        public double PendingSeconds { get; set; }

        public double? LastScore { get; set; }

        public bool Stopping { get; set; }

        public DateTimeOffset FirstSeen { get; set; }

        /// <summary>The tick at which the pod was first found silent.</summary>
        public DateTimeOffset? SilentSince { get; set; }

        /// <summary>The other reporting pods' total rate at the last tick this pod had fresh data.</summary>
        public double OthersAtLastReport { get; set; }

        public bool FreshThisTick { get; set; }

        public void Write(StateWriter writer)
        {
            writer.Write(LastArrival.UtcTicks);
            writer.Write(LastSequence ?? -1);
            writer.WriteNullable(Rate);
            writer.Write(PendingRequests);
            writer.Write(PendingSeconds);
            writer.WriteNullable(LastScore);
            writer.Write(Stopping);
            writer.Write(FirstSeen.UtcTicks);
            writer.Write(SilentSince?.UtcTicks ?? 0);
            writer.Write(OthersAtLastReport);
        }

        public static PodState Read(StateReader reader)
        {
            var pod = new PodState { LastArrival = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero) };
            var sequence = reader.ReadInt64();
            pod.LastSequence = sequence < 0 ? null : sequence;
            pod.Rate = reader.ReadNullableDouble();
            pod.PendingRequests = reader.ReadDouble();
            pod.PendingSeconds = reader.ReadDouble();
            pod.LastScore = reader.ReadNullableDouble();
            pod.Stopping = reader.ReadBoolean();
            pod.FirstSeen = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
            pod.SilentSince = ReadTime(reader);
            pod.OthersAtLastReport = reader.ReadDouble();
            return pod;
        }
    }

    /// <summary>Per served metric: the fallback in force and since when, the last value served, whether withdrawn.</summary>
    private sealed class MetricMemory
    {
        private string? _reason;
        private DateTimeOffset _since;

        public double? LastServed { get; set; }

        public bool Withdrawn { get; set; }

        public DecisionFallback? Fallback(string? reason, DateTimeOffset tick)
        {
            if (reason is null)
            {
                _reason = null;
                return null;
            }

            if (!string.Equals(reason, _reason, StringComparison.Ordinal))
            {
                (_reason, _since) = (reason, tick);
            }

            return new DecisionFallback(reason, _since);
        }

        public void Write(StateWriter writer)
        {
            writer.Write(_reason ?? string.Empty);
            writer.Write(_since.UtcTicks);
            writer.WriteNullable(LastServed);
            writer.Write(Withdrawn);
        }

        public void Read(StateReader reader)
        {
            var reason = reader.ReadString();
            _reason = reason.Length == 0 ? null : reason;
            _since = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
            LastServed = reader.ReadNullableDouble();
            Withdrawn = reader.ReadBoolean();
        }
    }
}

/// <summary>A model answered with something no model may answer (a non-finite forecast, a score outside [0, 1]).</summary>
internal sealed class ModelAnswerException(string message) : Exception(message);
