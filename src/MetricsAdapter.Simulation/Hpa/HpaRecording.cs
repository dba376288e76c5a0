using System.Globalization;
using System.Text.Json.Nodes;
using MetricsAdapter.Core.Quantities;

namespace MetricsAdapter.Simulation.Hpa;

/// <summary>
/// A recording of the real HPA controller (../shared/data/kubernetes/hpa-recordings): the HPA spec, the controller's
/// release and flags, the initial replicas, and per sync the external-metric values served (null: an empty list).
/// </summary>
public sealed record HpaRecording(
    string Controller,
    HpaRelease Release,
    HpaControllerFlags Flags,
    HpaSpec Spec,
    int InitialReplicas,
    IReadOnlyList<RecordedSync> Syncs)
{
    /// <exception cref="FormatException">The file is not such a recording; the message says what is missing.</exception>
    public static HpaRecording Parse(string json)
    {
        JsonNode root;
        try
        {
            root = JsonNode.Parse(json) ?? throw new FormatException("the recording is empty");
        }
        catch (System.Text.Json.JsonException exception)
        {
            throw new FormatException("the recording is not JSON: " + exception.Message, exception);
        }

        var controller = root["controller"]?.GetValue<string>() ?? throw new FormatException("controller is missing");
        var release = ReleaseOf(controller);
        var flagsNode = root["flags"];
        var flags = new HpaControllerFlags
        {
            SyncPeriod = TimeSpan.FromSeconds(flagsNode?["syncPeriodSeconds"]?.GetValue<double>() ?? 15),
            Tolerance = flagsNode?["tolerance"]?.GetValue<double>() ?? 0.1,
            DownscaleStabilization = TimeSpan.FromSeconds(flagsNode?["downscaleStabilizationSeconds"]?.GetValue<double>() ?? 300),
            Release = release,
        };
        var spec = HpaSpec.FromJson(root["hpa"] ?? throw new FormatException("hpa is missing"));
        var initial = root["initialReplicas"]?.GetValue<int>() ?? throw new FormatException("initialReplicas is missing");
        var syncs = (root["syncs"] as JsonArray ?? throw new FormatException("syncs is missing")).Select(sync =>
        {
            var metrics = sync!["metrics"]!.AsObject().ToDictionary(
                pair => pair.Key,
                pair => pair.Value is null ? (string?)null : pair.Value.GetValueKind() == System.Text.Json.JsonValueKind.String ? pair.Value.GetValue<string>() : pair.Value.ToJsonString(),
                StringComparer.Ordinal);
            return new RecordedSync(sync["t"]!.GetValue<double>(), metrics, sync["replicasAfter"]?.GetValue<int>());
        }).ToList();
        return new HpaRecording(controller, release, flags, spec, initial, syncs);
    }

    /// <summary>Releases before 1.33 test the tolerance as <c>|1 − r| ≤ t</c> in float64.</summary>
    public static HpaRelease ReleaseOf(string controller)
    {
        ArgumentNullException.ThrowIfNull(controller);
        var version = controller.Split(' ').LastOrDefault(part => part.StartsWith('v'))?.TrimStart('v').Split('.');
        return version is { Length: >= 2 } && int.TryParse(version[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            && int.TryParse(version[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor) && (major, minor) is (1, < 33)
            ? HpaRelease.Kubernetes126
            : HpaRelease.Current;
    }

    /// <summary>The HPA model alone, sync by sync, from the initial replicas: the replicas after each sync.</summary>
    public IReadOnlyList<(double T, int Replicas)> Replay()
    {
        var controller = new HpaController(Spec, Flags);
        var replicas = InitialReplicas;
        var result = new List<(double T, int Replicas)>(Syncs.Count);
        foreach (var sync in Syncs)
        {
            var readings = Spec.Metrics.Select(metric =>
                (MetricReading)new ExternalReading(sync.Values.TryGetValue(metric.Name, out var value) && value is not null ? Quantity.Parse(value).MilliValue() : null)).ToList();

            // No kubelet ran in the recording: every pod the Deployment created counts, none is ready or unready.
            replicas = controller.Sync(TimeSpan.FromSeconds(sync.T), replicas, replicas, replicas, readings).Replicas;
            result.Add((sync.T, replicas));
        }

        return result;
    }
}

/// <summary>One recorded sync: when, the values served by metric name (null: empty list), and what the real controller chose.</summary>
public sealed record RecordedSync(double T, IReadOnlyDictionary<string, string?> Values, int? ReplicasAfter);
