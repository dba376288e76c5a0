using System.Security.Cryptography;
using System.Text;
using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Prediction.Forecasting;
using MetricsAdapter.Prediction.Onnx;
using MetricsAdapter.Prediction.State;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.Decisions;

/// <summary>Makes the forecaster and the detector of each service. The seam for other models (ONNX, per-service choices).</summary>
public interface IServiceModelFactory
{
    IForecaster CreateForecaster(ServiceKey service);

    IAnomalyDetector CreateDetector(ServiceKey service);

    /// <summary>The name and version a decision record gives for <paramref name="model"/>.</summary>
    ModelIdentity Describe(IStatefulModel model);
}

/// <summary>
/// The documented defaults: <see cref="Forecasters"/> and <see cref="Detectors"/> by the configured names, or the ONNX
/// models the options name (per service, else for every service) when they load; a refused file leaves the default.
/// </summary>
public sealed partial class DefaultServiceModelFactory : IServiceModelFactory
{
    private static readonly string PredictionVersion = Core.BuildVersion.Semantic;
    private readonly DecisionOptions _options;
    private readonly OnnxModelCatalog? _catalog;

    /// <param name="options">The decision options.</param>
    /// <param name="catalog">Where ONNX models are loaded and shared; without one, ONNX settings are ignored.</param>
    /// <param name="logger">Says, at start, which model files were refused and why.</param>
    public DefaultServiceModelFactory(DecisionOptions options, OnnxModelCatalog? catalog = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _catalog = catalog;
        if (catalog is null)
        {
            return;
        }

        // Load every configured file now, so that a refusal is said at start rather than at a service's first tick.
        foreach (var path in new[] { options.ForecasterModel }.Concat(options.ServiceForecasterModels.Values).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (!catalog.TryGetForecaster(path, out var batcher, out var error))
            {
                LogRefused(logger, path, error!, "predicted_load", options.Forecaster);
            }
            else
            {
                LogLoaded(logger, path, batcher!.Model.Metadata.Name, batcher.Model.Metadata.Version, "predicted_load");
            }
        }

        foreach (var path in new[] { options.DetectorModel }.Concat(options.ServiceDetectorModels.Values).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (!catalog.TryGetDetector(path, out var model, out var error))
            {
                LogRefused(logger, path, error!, "latency_anomaly_score", options.Detector);
            }
            else
            {
                LogLoaded(logger, path, model!.Metadata.Name, model.Metadata.Version, "latency_anomaly_score");
            }
        }
    }

    public IForecaster CreateForecaster(ServiceKey service)
    {
        var path = _options.ServiceForecasterModels.GetValueOrDefault(service.ToString()) ?? _options.ForecasterModel;
        if (path is not null && _catalog is not null && _catalog.TryGetForecaster(path, out var batcher, out _))
        {
            return new OnnxForecaster(batcher!);
        }

        return _options.Forecaster == Forecasters.Default
            ? Forecasters.CreateDefault(_options.SeasonSteps, _options.HorizonSteps, _options.Quantile)
            : Forecasters.Create(_options.Forecaster, _options.SeasonSteps, _options.HorizonSteps);
    }

    public IAnomalyDetector CreateDetector(ServiceKey service)
    {
        var path = _options.ServiceDetectorModels.GetValueOrDefault(service.ToString()) ?? _options.DetectorModel;
        if (path is not null && _catalog is not null && _catalog.TryGetDetector(path, out var model, out _))
        {
            var autoencoder = new OnnxAutoencoderDetector(model!);
            return _options.DetectorModelHybrid ? new HybridDetector(autoencoder, Detectors.Create(_options.Detector)) : autoencoder;
        }

        return Detectors.Create(_options.Detector);
    }

    /// <summary>
    /// Name: the configured name (with the quantile for the default forecaster), or the ONNX model's own. Version: for
    /// ONNX models their semantic version and a digest of the file; for the others the models' code version and a
    /// digest of the model's parameters, so a change of either is a new version.
    /// </summary>
    public ModelIdentity Describe(IStatefulModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        switch (model)
        {
            case OnnxForecaster or OnnxAutoencoderDetector:
                // StateKey: onnx:<name>:<version>:<file digest>
                var parts = model.StateKey.Split(':');
                return new ModelIdentity($"{parts[0]}:{parts[1]}", $"{parts[2]}+{parts[3]}");
            case HybridDetector hybrid when hybrid.StateKey.Contains("[onnx:", StringComparison.Ordinal):
                return new ModelIdentity("hybrid", $"{PredictionVersion}+{Digest(model.StateKey)}");
        }

        var name = model switch
        {
            QuantileForecaster quantile => $"{quantile.Name}-q{quantile.Tau.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}",
            IForecaster forecaster => forecaster.Name,
            IAnomalyDetector detector => detector.Name,
            _ => model.StateKey,
        };
        return new ModelIdentity(name, $"{PredictionVersion}+{Digest(model.StateKey)}");
    }

    [LoggerMessage(EventId = 4301, Level = LogLevel.Error, Message = "Model file {Path} refused: {Reason}; {Metric} is served by the statistical {Fallback} instead")]
    private static partial void LogRefusedCore(ILogger logger, string path, string reason, string metric, string fallback);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Information, Message = "Model file {Path} loaded: {Name} {Version} serves {Metric}")]
    private static partial void LogLoadedCore(ILogger logger, string path, string name, string version, string metric);

    private static void LogRefused(ILogger? logger, string path, string reason, string metric, string fallback)
    {
        if (logger is not null)
        {
            LogRefusedCore(logger, path, reason, metric, fallback);
        }
    }

    private static void LogLoaded(ILogger? logger, string path, string name, string version, string metric)
    {
        if (logger is not null)
        {
            LogLoadedCore(logger, path, name, version, metric);
        }
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
