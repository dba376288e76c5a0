namespace MetricsAdapter.Prediction.Detection;

/// <summary>The detectors by name, and the default behind <c>latency_anomaly_score</c>.</summary>
/// <remarks>
/// The default is <see cref="MultiChannelLikelihoodDetector"/> ("mcl"): on the NAB data we have it scores well
/// above the published Windowed Gaussian, Random Cut Forest and Numenta HTM results (BENCHMARKS.md), needs no
/// randomness, and alerts once per incident. The single-statistic detectors and the Isolation Forest are kept
/// for comparison and as ensemble members.
/// </remarks>
public static class Detectors
{
    public const string Default = "mcl";

    public static IReadOnlyList<string> Names { get; } = [Default, "ewma-z", "robust-z", "cusum", "isolation-forest", "hybrid"];

    public static IAnomalyDetector Create(string name, ulong seed = 0) => name switch
    {
        Default => new MultiChannelLikelihoodDetector(),
        "ewma-z" => new EwmaZScoreDetector(),
        "robust-z" => new RobustZScoreDetector(),
        "cusum" => new CusumDetector(),
        "isolation-forest" => new IsolationForestDetector(seed: seed),
        "hybrid" => new HybridDetector(new IsolationForestDetector(seed: seed), new MultiChannelLikelihoodDetector()),
        _ => throw new ArgumentException($"unknown detector \"{name}\"; known: {string.Join(", ", Names)}", nameof(name)),
    };
}
