using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Detection;

/// <summary>
/// A weighted ensemble: w·ML + (1 − w)·statistical, default 0.6 / 0.4. Any <see cref="IAnomalyDetector"/> fits
/// either side, which is the seam for model-based detectors (an ONNX autoencoder's reconstruction error) to join
/// the statistical ones.
/// </summary>
public sealed class HybridDetector(IAnomalyDetector machineLearned, IAnomalyDetector statistical, double machineLearnedWeight = 0.6) : IAnomalyDetector
{
    public string Name => "hybrid";

    /// <summary>The machine-learned side (weight <c>machineLearnedWeight</c>).</summary>
    public IAnomalyDetector MachineLearned => machineLearned;

    /// <summary>The statistical side.</summary>
    public IAnomalyDetector Statistical => statistical;

    public string StateKey => $"hybrid({machineLearnedWeight})[{machineLearned.StateKey},{statistical.StateKey}]";

    public long Observations => statistical.Observations;

    public bool IsWarm => machineLearned.IsWarm || statistical.IsWarm;

    public double Score(double value) => Combine(machineLearned.Score(value), statistical.Score(value));

    public void Learn(double value)
    {
        machineLearned.Learn(value);
        statistical.Learn(value);
    }

    public double ScoreAndLearn(double value) => Combine(machineLearned.ScoreAndLearn(value), statistical.ScoreAndLearn(value));

    private double Combine(double ml, double stat) => Math.Clamp((machineLearnedWeight * ml) + ((1 - machineLearnedWeight) * stat), 0.0, 1.0);

    public void WriteState(StateWriter writer)
    {
        machineLearned.WriteState(writer);
        statistical.WriteState(writer);
    }

    public void ReadState(StateReader reader)
    {
        machineLearned.ReadState(reader);
        statistical.ReadState(reader);
    }
}
