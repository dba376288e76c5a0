using System.Globalization;

namespace MetricsAdapter.Prediction.Onnx;

/// <summary>What a model file is, from its <c>metadata_props</c> (written by <c>tools/training/train.py</c>; a user's own model carries the same keys).</summary>
/// <param name="Kind"><see cref="Forecaster"/> or <see cref="Detector"/>.</param>
/// <param name="Name">The model's name, as decision records give it.</param>
/// <param name="Version">Its semantic version.</param>
/// <param name="Window">Values per input row, oldest first.</param>
/// <param name="Horizon">Steps after the last input that a forecaster's outputs stand for (0 for a detector).</param>
/// <param name="StepSeconds">The step the model was trained for.</param>
/// <param name="Quantiles">A forecaster's output columns, in order.</param>
/// <param name="Normalisation">The per-window scheme the graph applies to its raw input.</param>
/// <param name="TrainingDataSha256">The training data's hash.</param>
/// <param name="TrainedAt">The newest timestamp of the training data.</param>
public sealed record OnnxModelMetadata(
    string Kind,
    string Name,
    string Version,
    int Window,
    int Horizon,
    double StepSeconds,
    IReadOnlyList<double> Quantiles,
    string Normalisation,
    string TrainingDataSha256,
    string TrainedAt)
{
    public const string Forecaster = "forecaster";
    public const string Detector = "detector";
    private const string Prefix = "metrics-adapter.";

    /// <summary>The schemes a graph may apply inside itself; anything else is refused (the adapter would feed it wrongly).</summary>
    public static IReadOnlyList<string> KnownNormalisations { get; } = ["window-mean-abs-v1", "window-zscore-v1"];

    /// <summary>Reads and checks the metadata; the error names the first key that is missing or wrong.</summary>
    public static OnnxModelMetadata Parse(IReadOnlyDictionary<string, string> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        string Text(string key) => properties.TryGetValue(Prefix + key, out var value) && !string.IsNullOrWhiteSpace(value)
            ? value.Trim()
            : throw new OnnxModelException($"metadata {Prefix}{key} is missing (train with tools/training/train.py, or add it)");
        int Whole(string key, int min) => int.TryParse(Text(key), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min
            ? value
            : throw new OnnxModelException($"metadata {Prefix}{key} \"{Text(key)}\" is not a whole number of at least {min}");

        var kind = Text("kind");
        if (kind is not (Forecaster or Detector))
        {
            throw new OnnxModelException($"metadata {Prefix}kind \"{kind}\" is neither {Forecaster} nor {Detector}");
        }

        var normalisation = Text("normalisation");
        if (!KnownNormalisations.Contains(normalisation, StringComparer.Ordinal))
        {
            throw new OnnxModelException($"metadata {Prefix}normalisation \"{normalisation}\" is not one of {string.Join(", ", KnownNormalisations)}");
        }

        var step = double.TryParse(Text("step-seconds"), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && double.IsFinite(seconds)
            ? seconds
            : throw new OnnxModelException($"metadata {Prefix}step-seconds \"{Text("step-seconds")}\" is not a positive number");
        IReadOnlyList<double> quantiles = [];
        if (kind == Forecaster)
        {
            var parsed = Text("quantiles").Split(',', StringSplitOptions.TrimEntries)
                .Select(q => double.TryParse(q, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && value < 1 ? value : double.NaN)
                .ToList();
            if (parsed.Count == 0 || parsed.Any(double.IsNaN))
            {
                throw new OnnxModelException($"metadata {Prefix}quantiles \"{Text("quantiles")}\" is not a list of numbers in (0, 1)");
            }

            quantiles = parsed;
        }

        foreach (var key in new[] { "name", "version" })
        {
            if (Text(key).Any(c => c is ':' or '/' || char.IsWhiteSpace(c)))
            {
                throw new OnnxModelException($"metadata {Prefix}{key} \"{Text(key)}\" may not contain ':', '/' or spaces (it names the model in decision records)");
            }
        }

        return new OnnxModelMetadata(
            kind,
            Text("name"),
            Text("version"),
            Whole("window", 2),
            kind == Forecaster ? Whole("horizon", 1) : 0,
            step,
            quantiles,
            normalisation,
            properties.TryGetValue(Prefix + "training-data-sha256", out var sha) ? sha : string.Empty,
            properties.TryGetValue(Prefix + "trained-at", out var trained) ? trained : string.Empty);
    }
}

/// <summary>A model file was refused: missing, unreadable, not ONNX, of the wrong shape, or without its metadata.</summary>
public sealed class OnnxModelException(string message, Exception? inner = null) : Exception(message, inner);
