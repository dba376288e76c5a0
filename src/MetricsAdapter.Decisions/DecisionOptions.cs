using System.ComponentModel.DataAnnotations;
using MetricsAdapter.Prediction.Detection;

namespace MetricsAdapter.Decisions;

/// <summary>How the decision manager aggregates, forecasts and guards. Bound from configuration section <c>Decisions</c>.</summary>
public sealed record DecisionOptions
{
    public const string SectionName = "Decisions";

    /// <summary>How often values are decided and served: the HPA's sync period. Default 15 s; range 1 s – 5 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Tick { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// One step of the models: the service's mean request rate and latency over it are learned once per step. A
    /// whole number of ticks. Default 1 minute (the resolution the default models were measured at); range 1 s – 1 h.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ModelStep { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How far ahead <c>predicted_load</c> looks: at least the pods' start-up time. Default 2 minutes; range 1 s – 1 h.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Horizon { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The load's season (a day for web traffic), for the seasonal members. Default 1 day; range 1 minute – 7 days.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan Season { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Forecaster per service, by name (<c>evaluate forecast</c> lists them). Default <c>default</c>: the error-weighted blend.</summary>
    [Required]
    public string Forecaster { get; init; } = "default";

    /// <summary>Upper quantile of <c>predicted_load</c> (the default forecaster only). Default 0.9; range 0.5 – 0.999.</summary>
    [Range(0.5, 0.999)]
    public double Quantile { get; init; } = 0.9;

    /// <summary>
    /// A forecast is capped at this multiple of the highest rate the service has shown lately (a decaying maximum,
    /// half-life 30 minutes): beyond it a forecast is a model artefact, not foresight. Default 2; range 1.1 – 1000.
    /// </summary>
    [Range(1.1, 1000)]
    public double MaxForecastRatio { get; init; } = 2;

    /// <summary>
    /// An ONNX forecaster (a file from <c>train forecaster</c>, see tools/training) for <c>predicted_load</c>, used
    /// instead of <see cref="Forecaster"/>; its highest quantile is the value served. A file that is refused at load
    /// (missing, corrupt, wrong shape, no metadata) is logged and the statistical default serves. Default unset.
    /// </summary>
    public string? ForecasterModel { get; init; }

    /// <summary>An ONNX autoencoder for <c>latency_anomaly_score</c>, used instead of <see cref="Detector"/> (or beside it, see <see cref="DetectorModelHybrid"/>). Default unset.</summary>
    public string? DetectorModel { get; init; }

    /// <summary>With <see cref="DetectorModel"/>: serve the hybrid 0.6·autoencoder + 0.4·<see cref="Detector"/> instead of the autoencoder alone. Default false.</summary>
    public bool DetectorModelHybrid { get; init; }

    /// <summary>Per service (<c>namespace/service</c>), an ONNX forecaster file that wins over <see cref="ForecasterModel"/>. Default none.</summary>
    public IReadOnlyDictionary<string, string> ServiceForecasterModels { get; init; } = new Dictionary<string, string>();

    /// <summary>Per service (<c>namespace/service</c>), an ONNX detector file that wins over <see cref="DetectorModel"/>. Default none.</summary>
    public IReadOnlyDictionary<string, string> ServiceDetectorModels { get; init; } = new Dictionary<string, string>();

    /// <summary>Detector per service, by name (<c>evaluate nab</c> lists them). Default <c>mcl</c>.</summary>
    [Required]
    public string Detector { get; init; } = Detectors.Default;

    /// <summary>The latency quantile the detector watches, from the merged histogram. Default 0.95; range 0.5 – 0.999.</summary>
    [Range(0.5, 0.999)]
    public double LatencyQuantile { get; init; } = 0.95;

    /// <summary>
    /// No observation of a service for this long makes its values fallbacks (<c>stale-observations</c>). At least
    /// two scrape intervals. Default 45 s; range 5 s – 1 h.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// The hard limit: no observation for this long withdraws the service's series (the HPA holds). Default 5
    /// minutes; range 10 s – 1 day; above <see cref="StaleAfter"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan StopServingAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A pod with no observation for this long is silent: its last rate is carried. Default 20 s; range 1 s – 1 h.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PodSilentAfter { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A silent pod may be taken as gone after this long, while its service's other pods still report, and only
    /// when the evidence says so: the other pods have taken over its load, or a new pod has appeared since it went
    /// quiet. A pod that said it was stopping is gone at once. Default 2 minutes; range 1 s – 1 day; above
    /// <see cref="PodSilentAfter"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PodGoneAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Without such evidence a silent pod's last rate is carried this long at most (a sidecar that stays broken
    /// must not hold the service's value up for ever). Default 15 minutes; range 1 s – 1 day; above <see cref="PodGoneAfter"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PodSilentMax { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Fallbacks use the highest rate observed over this window. Default 2 minutes; range 1 s – 1 h.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan EvidenceWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>A service with no observation for this long is forgotten, models and all. Default 1 hour; range 1 minute – 30 days.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan ForgetAfter { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Observations that arrive longer than this after their interval ended are skipped as late. Default 2 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxObservationAge { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Observations ending further than this in the future (a sidecar's clock is wrong) are refused. Default 2 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>A model that threw or returned a non-finite value is replaced by a cold one after this long. Default 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Quarantine { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Most services held; observations of more are refused and counted. Each costs about 200 KiB with the default
    /// models, so raise this with the process' memory. Default 2 000; range 1 – 1 000 000.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxServices { get; init; } = 2_000;

    /// <summary>Most pods held per service. Default 1 000; range 1 – 100 000.</summary>
    [Range(1, 100_000)]
    public int MaxPodsPerService { get; init; } = 1_000;

    /// <summary>Namespaces served; empty serves every namespace. Observations of others are refused as <c>unknown-namespace</c>.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>Labels added to every served series besides <c>service</c> (e.g. <c>cluster: prod</c>).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Where model state is snapshotted; empty keeps it in memory only. Default empty (<c>serve</c> sets it from <c>--state-dir</c>).</summary>
    public string StateDirectory { get; init; } = string.Empty;

    /// <summary>How often model state is snapshotted (and always at a clean stop). Default 5 minutes; range 10 s – 1 day.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>With no observation at all for this long after start, logs and readiness details say so. Default 1 minute.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan QuietWarningAfter { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Forecast steps at the horizon.</summary>
    public int HorizonSteps => Math.Max(1, (int)Math.Ceiling(Horizon / ModelStep));

    /// <summary>Model steps per season.</summary>
    public int SeasonSteps => Math.Max(2, (int)Math.Round(Season / ModelStep));

    /// <summary>Ticks per model step.</summary>
    public int TicksPerStep => Math.Max(1, (int)Math.Round(ModelStep / Tick));

    /// <summary>Ticks the evidence window covers.</summary>
    public int EvidenceTicks => Math.Max(1, (int)Math.Ceiling(EvidenceWindow / Tick));
}
