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
        foreach (var path in Paths(options.ForecasterModel, options.ServiceForecasterModels))
        {
            if (UsableForecaster(path, out var error) is { } batcher)
            {
                LogLoaded(logger, path, batcher.Model.Metadata.Name, batcher.Model.Metadata.Version, "predicted_load");
            }
            else
            {
                LogRefused(logger, path, error!, "predicted_load", options.Forecaster);
            }
        }

        foreach (var path in Paths(options.DetectorModel, options.ServiceDetectorModels))
        {
            if (UsableDetector(path, out var error) is { } model)
            {
                LogLoaded(logger, path, model.Metadata.Name, model.Metadata.Version, "latency_anomaly_score");
            }
            else
            {
                LogRefused(logger, path, error!, "latency_anomaly_score", options.Detector);
            }
        }
    }

    /// <summary>Every file named, for all services and per service, once.</summary>
    private static IEnumerable<string> Paths(string? forEveryService, IReadOnlyDictionary<string, string> perService) =>
        new[] { forEveryService }.Concat(perService.Values).OfType<string>().Where(p => !string.IsNullOrWhiteSpace(p)).Distinct(StringComparer.Ordinal);

    /// <summary>
    /// The model's batcher when the file loads and fits the decision manager: trained for its model step, and
    /// forecasting at least as far as its horizon (a shorter model would serve a nearer forecast under a farther name).
    /// </summary>
    private OnnxForecastBatcher? UsableForecaster(string path, out string? error)
    {
        error = "ONNX models are not enabled here";
        OnnxForecastBatcher? batcher = null;
        if (_catalog is null || !_catalog.TryGetForecaster(path, out batcher, out error))
        {
            return null;
        }

        var metadata = batcher!.Model.Metadata;
        error = StepError(metadata)
            ?? (metadata.Horizon < _options.HorizonSteps
                ? $"it forecasts {metadata.Horizon} steps ahead, predicted_load needs {_options.HorizonSteps} (Decisions:Horizon)"
                : null);
        if (error is not null)
        {
            _catalog.NoteUnusable(path, error);
        }

        return error is null ? batcher : null;
    }

    private OnnxModel? UsableDetector(string path, out string? error)
    {
        error = "ONNX models are not enabled here";
        OnnxModel? model = null;
        if (_catalog is null || !_catalog.TryGetDetector(path, out model, out error))
        {
            return null;
        }

        error = StepError(model!.Metadata);
        if (error is not null)
        {
            _catalog.NoteUnusable(path, error);
        }

        return error is null ? model : null;
    }

    /// <summary>Why a model trained for another step than the decision manager's does not fit, or null.</summary>
    private string? StepError(OnnxModelMetadata metadata) =>
        metadata.StepSeconds != _options.ModelStep.TotalSeconds
            ? $"it was trained for a step of {metadata.StepSeconds} s, the decision manager's model step is {_options.ModelStep.TotalSeconds} s (Decisions:ModelStep)"
            : null;

    public IForecaster CreateForecaster(ServiceKey service)
    {
        var path = _options.ServiceForecasterModels.GetValueOrDefault(service.ToString()) ?? _options.ForecasterModel;
        if (!string.IsNullOrWhiteSpace(path) && UsableForecaster(path, out _) is { } batcher)
        {
            return new OnnxForecaster(batcher, _options.Quantile);
        }

        return _options.Forecaster == Forecasters.Default
            ? Forecasters.CreateDefault(_options.SeasonSteps, _options.HorizonSteps, _options.Quantile)
            : Forecasters.Create(_options.Forecaster, _options.SeasonSteps, _options.HorizonSteps);
    }

    public IAnomalyDetector CreateDetector(ServiceKey service)
    {
        var path = _options.ServiceDetectorModels.GetValueOrDefault(service.ToString()) ?? _options.DetectorModel;
        if (!string.IsNullOrWhiteSpace(path) && UsableDetector(path, out _) is { } model)
        {
            var autoencoder = new OnnxAutoencoderDetector(model);
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
            case OnnxForecaster onnx:
                return Identity(onnx.Model);
            case OnnxAutoencoderDetector onnx:
                return Identity(onnx.Model);
            case HybridDetector { MachineLearned: OnnxAutoencoderDetector onnx } hybrid:
                var inner = Identity(onnx.Model);
                return new ModelIdentity($"hybrid({inner.Name}@{inner.Version},{hybrid.Statistical.Name})", $"{PredictionVersion}+{Digest(model.StateKey)}");
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

    /// <summary>An ONNX model's own name and version, and the digest of its file: two files with one version still differ.</summary>
    private static ModelIdentity Identity(OnnxModel model) => new("onnx:" + model.Metadata.Name, $"{model.Metadata.Version}+{model.FileDigest}");

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
