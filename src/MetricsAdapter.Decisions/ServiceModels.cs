using System.Security.Cryptography;
using System.Text;
using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Prediction.Forecasting;
using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Decisions;

/// <summary>Makes the forecaster and the detector of each service. The seam for other models (ONNX, per-service choices).</summary>
public interface IServiceModelFactory
{
    IForecaster CreateForecaster(ServiceKey service);

    IAnomalyDetector CreateDetector(ServiceKey service);

    /// <summary>The name and version a decision record gives for <paramref name="model"/>.</summary>
    ModelIdentity Describe(IStatefulModel model);
}

/// <summary>The documented defaults: <see cref="Forecasters"/> and <see cref="Detectors"/> by the configured names.</summary>
public sealed class DefaultServiceModelFactory(DecisionOptions options) : IServiceModelFactory
{
    private static readonly string PredictionVersion =
        Core.BuildVersion.Semantic;

    public IForecaster CreateForecaster(ServiceKey service) =>
        options.Forecaster == Forecasters.Default
            ? Forecasters.CreateDefault(options.SeasonSteps, options.HorizonSteps, options.Quantile)
            : Forecasters.Create(options.Forecaster, options.SeasonSteps, options.HorizonSteps);

    public IAnomalyDetector CreateDetector(ServiceKey service) => Detectors.Create(options.Detector);

    /// <summary>
    /// Name: the configured name (with the quantile for the default forecaster). Version: the models' code version
    /// and a digest of the model's parameters, so a change of either is a new version.
    /// </summary>
    public ModelIdentity Describe(IStatefulModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var name = model switch
        {
            QuantileForecaster quantile => $"{quantile.Name}-q{quantile.Tau.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}",
            IForecaster forecaster => forecaster.Name,
            IAnomalyDetector detector => detector.Name,
            _ => model.StateKey,
        };
        return new ModelIdentity(name, $"{PredictionVersion}+{Digest(model.StateKey)}");
    }

    internal static string Digest(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 4));
}

/// <summary>
/// One model of one service, guarded: a model that throws or answers with a non-finite value is dropped and the
/// slot is quarantined; after the quarantine a cold model takes its place.
/// </summary>
internal sealed class ModelSlot<TModel>
    where TModel : class, IStatefulModel
{
    private readonly Func<TModel> _create;
    private readonly Func<IStatefulModel, ModelIdentity> _describe;

    public ModelSlot(Func<TModel> create, Func<IStatefulModel, ModelIdentity> describe)
    {
        (_create, _describe) = (create, describe);
        Model = create();
        Identity = describe(Model);
    }

    public TModel? Model { get; private set; }

    /// <summary>The name and version of <see cref="Model"/> (or of the last one, while quarantined), computed once per model.</summary>
    public ModelIdentity Identity { get; private set; }

    public DateTimeOffset? QuarantinedUntil { get; private set; }

    public string? Failure { get; private set; }

    /// <summary>The model if it may be used at <paramref name="now"/>; a quarantine that has ended brings a cold one.</summary>
    public TModel? Available(DateTimeOffset now)
    {
        if (Model is null && QuarantinedUntil is { } until && now >= until)
        {
            Replace(_create());
            QuarantinedUntil = null;
        }

        return Model;
    }

    public void Quarantine(DateTimeOffset now, TimeSpan duration, string failure)
    {
        Model = null;
        QuarantinedUntil = now + duration;
        Failure = failure;
    }

    public void Write(StateWriter writer)
    {
        writer.Write(QuarantinedUntil?.UtcTicks ?? 0);
        writer.Write(Failure ?? string.Empty);
        var snapshot = Model?.Snapshot();
        writer.Write(snapshot?.Length ?? -1);
        if (snapshot is not null)
        {
            writer.Write(snapshot);
        }
    }

    /// <returns>False when the saved model could not be restored into this one (other parameters): it starts cold.</returns>
    public bool Read(StateReader reader)
    {
        var until = reader.ReadInt64();
        var failure = reader.ReadString();
        var length = reader.ReadInt32();
        var snapshot = length >= 0 ? reader.ReadBytes(length) : null;
        QuarantinedUntil = until == 0 ? null : new DateTimeOffset(until, TimeSpan.Zero);
        Failure = failure.Length == 0 ? null : failure;
        if (snapshot is null)
        {
            Model = QuarantinedUntil is null ? _create() : null;
            return true;
        }

        var model = _create();
        try
        {
            model.Restore(snapshot);
            Replace(model);
            return true;
        }
        catch (ModelStateException)
        {
            Replace(_create());
            return false;
        }
    }

    private void Replace(TModel model)
    {
        Model = model;
        Identity = _describe(model);
    }
}
