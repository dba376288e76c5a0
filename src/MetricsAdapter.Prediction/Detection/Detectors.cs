namespace MetricsAdapter.Prediction.Detection;

/// <summary>The detectors by name, and the default behind <c>latency_anomaly_score</c>.</summary>
/// <remarks>
/// The default is <see cref="MultiChannelLikelihoodDetector"/> ("mcl"), chosen by its held-out score (leave one
/// category out, BENCHMARKS.md): it needs no randomness, its scores are calibrated tail probabilities so one
/// threshold serves every series, and it alerts once per incident. "mcl-v1" is its configuration before the
/// held-out protocol existed. The single-statistic detectors and the Isolation Forest are kept for comparison and as
/// ensemble members.
/// </remarks>
public static class Detectors
{
    public const string Default = "mcl";

    public static IReadOnlyList<string> Names { get; } = [Default, "mcl-v1", "ewma-z", "robust-z", "cusum", "isolation-forest", "hybrid"];

    public static IAnomalyDetector Create(string name, ulong seed = 0) => name switch
    {
        Default => new MultiChannelLikelihoodDetector(),
        "mcl-v1" => new MultiChannelLikelihoodDetector(MultiChannelLikelihoodOptions.Version1),
        "ewma-z" => new EwmaZScoreDetector(),
        "robust-z" => new RobustZScoreDetector(),
        "cusum" => new CusumDetector(),
        "isolation-forest" => new IsolationForestDetector(seed: seed),
        "hybrid" => new HybridDetector(new IsolationForestDetector(seed: seed), new MultiChannelLikelihoodDetector()),
        _ => throw new ArgumentException($"unknown detector \"{name}\"; known: {string.Join(", ", Names)}", nameof(name)),
    };
}
