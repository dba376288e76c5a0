using System.Globalization;
using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Prediction.Forecasting;

namespace MetricsAdapter.Decisions;

/// <summary>What one rule chose: the value, the fallback reason (null: the model's own output), who produced it, and why.</summary>
internal readonly record struct RuleOutcome(double Value, string? Reason, ModelIdentity Model, string Explanation);

/// <summary>What <c>predicted_load</c> is decided from at one tick.</summary>
internal readonly record struct LoadEvidence
{
    public required TimeSpan Horizon { get; init; }

    /// <summary>How long since the service's newest observation arrived.</summary>
    public required TimeSpan Age { get; init; }

    public required bool Stale { get; init; }

    public required double? Observed { get; init; }

    public required double? Peak { get; init; }

    public required int PodsReporting { get; init; }

    public required int PodsSilent { get; init; }

    /// <summary>The model's forecast at the horizon, when it is warm and healthy.</summary>
    public required Forecast? Forecast { get; init; }

    public required ModelIdentity? Model { get; init; }

    /// <summary>Why no forecast: the model is quarantined (with its failure), or not warm yet.</summary>
    public required string? ModelFailure { get; init; }

    public required long ModelSteps { get; init; }

    /// <summary>The model's last healthy upper forecast and when it was made.</summary>
    public required (double Value, DateTimeOffset At)? LastGood { get; init; }

    public required DateTimeOffset Now { get; init; }

    public required TimeSpan EvidenceWindow { get; init; }

    /// <summary>How long a failed model is quarantined: its last good forecast counts as evidence that long.</summary>
    public required TimeSpan Quarantine { get; init; }

    /// <summary>While pods are silent: the value served before the first of them went quiet.</summary>
    public required double? HeldBeforeSilence { get; init; }

    /// <summary>The value served at the previous tick.</summary>
    public required double? LastServed { get; init; }
}

/// <summary>What <c>latency_anomaly_score</c> is decided from at one tick.</summary>
internal readonly record struct ScoreEvidence
{
    public required bool Stale { get; init; }

    public required TimeSpan Age { get; init; }

    public required bool HasLatencyData { get; init; }

    /// <summary>Whether latency histograms arrived within the hard limit: their absence is then a gap, not the norm.</summary>
    public required bool HadLatencyRecently { get; init; }

    /// <summary>The detector's last score before it failed.</summary>
    public required double? LastGoodScore { get; init; }

    public required double? DetectorScore { get; init; }

    public required ModelIdentity? Model { get; init; }

    public required string? ModelFailure { get; init; }

    public required bool Warm { get; init; }

    public required long ModelSteps { get; init; }

    public required double? PodScoreMax { get; init; }

    public required double? LastServed { get; init; }

    public required double LatencyQuantile { get; init; }

    public required double? LatencyAtQuantile { get; init; }
}

/// <summary>
/// The safety contract (<c>../shared/docs/pipeline-contracts.md</c> §4) as pure functions: missing information
/// never lowers a value; each fallback names its reason; silence of some pods never lowers the forecast.
/// </summary>
internal static class DecisionRules
{
    public static readonly ModelIdentity LastGoodOrPeak = new("fallback/last-good-forecast-or-peak", "1");
    public static readonly ModelIdentity ObservedPeak = new("fallback/observed-peak", "1");
    public static readonly ModelIdentity HeldBeforeSilence = new("fallback/held-before-silence", "1");
    public static readonly ModelIdentity HeldScore = new("fallback/held-score", "1");
    public static readonly ModelIdentity PodScores = new("fallback/highest-pod-score", "1");
    public static readonly ModelIdentity NoLatency = new("fallback/no-latency-data", "1");
    public static readonly ModelIdentity Withdrawn = new("fallback/withdrawn", "1");

    public static RuleOutcome Load(in LoadEvidence e)
    {
        RuleOutcome outcome;
        var peak = e.Peak ?? e.Observed ?? 0;
        if (e.Stale)
        {
            // Nothing new is known: keep at least what was last forecast, last seen, and last served.
            var lastGood = e.LastGood?.Value ?? 0;
            var value = Math.Max(Math.Max(lastGood, peak), Math.Max(e.HeldBeforeSilence ?? 0, e.LastServed ?? 0));
            outcome = new RuleOutcome(value, FallbackReasons.StaleObservations, LastGoodOrPeak,
                $"No observation for {Duration(e.Age)}; served {Rate(value)}, no less than the last good forecast ({(e.LastGood is null ? "none" : Rate(lastGood))}), the highest rate observed over {Duration(e.EvidenceWindow)} ({Rate(peak)}) and the value served before.");
        }
        else if (e.Forecast is not { } forecast)
        {
            // A failed model's last good forecast stays evidence while it is quarantined; a failure also holds what
            // was served. A model that is merely cold falls back on what is observed.
            var window = e.Quarantine > e.EvidenceWindow ? e.Quarantine : e.EvidenceWindow;
            var recentGood = e.LastGood is { } good && e.Now - good.At <= window ? good.Value : 0;
            var failed = e.ModelFailure is not null;
            var value = Math.Max(Math.Max(peak, e.Observed ?? 0), Math.Max(recentGood, failed ? e.LastServed ?? 0 : 0));
            outcome = new RuleOutcome(value, failed ? FallbackReasons.ModelFailed : FallbackReasons.ModelNotWarm, ObservedPeak,
                (failed
                    ? $"The forecaster failed ({e.ModelFailure}) and is quarantined"
                    : $"The forecaster is not warm yet ({e.ModelSteps.ToString(CultureInfo.InvariantCulture)} steps learned)")
                + $"; served {Rate(value)}, the highest rate observed over {Duration(e.EvidenceWindow)} across {Pods(e.PodsReporting + e.PodsSilent)}"
                + (recentGood > 0 ? $" or the last good forecast ({Rate(recentGood)})." : "."));
        }
        else if (e.Observed is { } observed && observed > forecast.Upper)
        {
            outcome = new RuleOutcome(observed, null, e.Model!,
                $"Observed {Rate(observed)} across {Pods(e.PodsReporting + e.PodsSilent)} exceeds the forecast for {Duration(e.Horizon)} ahead ({Rate(forecast.Upper)}, point {Rate(forecast.Point)}); served the observed rate.");
        }
        else
        {
            outcome = new RuleOutcome(forecast.Upper, null, e.Model!,
                $"Forecast {Rate(forecast.Upper)} for {Duration(e.Horizon)} ahead (upper quantile; point {Rate(forecast.Point)}) from {Rate(e.Observed ?? 0)} observed across {Pods(e.PodsReporting + e.PodsSilent)}.");
        }

        if (e.PodsSilent > 0 && !e.Stale)
        {
            var held = e.HeldBeforeSilence ?? 0;
            var silence = $" {Pods(e.PodsSilent)} of {(e.PodsReporting + e.PodsSilent).ToString(CultureInfo.InvariantCulture)} silent: their last rates are carried";
            if (held > outcome.Value)
            {
                outcome = new RuleOutcome(held, outcome.Reason ?? FallbackReasons.PodsSilent, HeldBeforeSilence,
                    outcome.Explanation + silence + $" and the value is held at {Rate(held)}, what was served before they went quiet.");
            }
            else
            {
                outcome = outcome with
                {
                    Reason = outcome.Reason ?? FallbackReasons.PodsSilent,
                    Explanation = outcome.Explanation + silence + ".",
                };
            }
        }

        return outcome;
    }

    public static RuleOutcome Score(in ScoreEvidence e)
    {
        if (e.Stale)
        {
            var held = e.LastServed ?? 0;
            return new RuleOutcome(held, FallbackReasons.StaleObservations, HeldScore,
                $"No observation for {Duration(e.Age)}; the last score ({Score(held)}) is held.");
        }

        if (!e.HasLatencyData)
        {
            // Histograms that stopped are a gap: hold the last score up to the hard limit. Never any: nothing to score.
            var held = e.HadLatencyRecently ? e.LastServed ?? 0 : 0;
            return new RuleOutcome(held, FallbackReasons.NoLatencyData, NoLatency, e.HadLatencyRecently
                ? $"No latency histogram lately; the last score ({Score(held)}) is held until the hard limit."
                : "No pod of the service reports a latency histogram, so latency cannot be scored; served 0.");
        }

        var latency = e.LatencyAtQuantile is { } seconds
            ? $"p{(e.LatencyQuantile * 100).ToString("0.#", CultureInfo.InvariantCulture)} latency {Milliseconds(seconds)}"
            : "no requests in the last step";
        if (e.ModelFailure is not null || !e.Warm || e.DetectorScore is null)
        {
            var value = Math.Max(e.PodScoreMax ?? 0, e.ModelFailure is not null ? e.LastGoodScore ?? 0 : 0);
            return new RuleOutcome(value, e.ModelFailure is not null ? FallbackReasons.ModelFailed : FallbackReasons.ModelNotWarm, PodScores,
                (e.ModelFailure is not null
                    ? $"The detector failed ({e.ModelFailure}) and is quarantined"
                    : $"The detector is not warm yet ({e.ModelSteps.ToString(CultureInfo.InvariantCulture)} steps learned)")
                + $"; served {Score(value)}, the highest of the pods' own scores{(e.ModelFailure is not null ? " and its last score" : string.Empty)}; {latency}.");
        }

        var score = e.DetectorScore.Value;
        return new RuleOutcome(score, null, e.Model!, $"Detector scores {Score(score)} on {latency}.");
    }

    public static string Rate(double requestsPerSecond) =>
        requestsPerSecond.ToString(requestsPerSecond >= 100 ? "0" : "0.##", CultureInfo.InvariantCulture) + " req/s";

    public static string Score(double score) => score.ToString("0.###", CultureInfo.InvariantCulture);

    public static string Milliseconds(double seconds) => (seconds * 1000).ToString("0.#", CultureInfo.InvariantCulture) + " ms";

    public static string Pods(int count) => count == 1 ? "1 pod" : count.ToString(CultureInfo.InvariantCulture) + " pods";

    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        if (span < TimeSpan.FromMinutes(1))
        {
            return ((int)Math.Round(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s";
        }

        var minutes = (int)span.TotalMinutes;
        var seconds = span.Seconds;
        return seconds == 0
            ? minutes.ToString(CultureInfo.InvariantCulture) + "m"
            : $"{minutes.ToString(CultureInfo.InvariantCulture)}m{seconds.ToString("00", CultureInfo.InvariantCulture)}s";
    }
}
