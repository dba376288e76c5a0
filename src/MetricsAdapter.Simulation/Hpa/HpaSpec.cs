using System.Globalization;
using System.Text.Json.Nodes;
using MetricsAdapter.Core.Quantities;
using YamlDotNet.RepresentationModel;

namespace MetricsAdapter.Simulation.Hpa;

/// <summary>The part of an <c>autoscaling/v2</c> HorizontalPodAutoscaler the controller acts on, after API defaulting.</summary>
public sealed record HpaSpec
{
    public int MinReplicas { get; init; } = 1;

    public required int MaxReplicas { get; init; }

    public required IReadOnlyList<HpaMetric> Metrics { get; init; }

    /// <summary>Null when the spec has no <c>behavior</c>: the controller then takes its legacy path (contracts §1.5).</summary>
    public HpaBehavior? Behavior { get; init; }

    /// <summary>Reads an HPA from YAML or JSON (an object or a whole <c>HorizontalPodAutoscaler</c> document).</summary>
    /// <exception cref="FormatException">The document is not an HPA we can model; the message names the field.</exception>
    public static HpaSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException exception)
        {
            throw new FormatException("not YAML or JSON: " + exception.Message, exception);
        }

        if (stream.Documents.Count == 0)
        {
            throw new FormatException("the document is empty");
        }

        return FromJson(ToJson(stream.Documents[0].RootNode) ?? throw new FormatException("the document is empty"));
    }

    /// <summary>Reads an HPA from an already parsed document.</summary>
    public static HpaSpec FromJson(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node["kind"] is { } kind && Text(kind) != "HorizontalPodAutoscaler")
        {
            throw new FormatException($"kind is {Text(kind)}, not HorizontalPodAutoscaler");
        }

        if (node["apiVersion"] is { } version && Text(version) != "autoscaling/v2")
        {
            throw new FormatException($"apiVersion is {Text(version)}; only autoscaling/v2 is modelled");
        }

        var spec = node["spec"] ?? node;
        var min = Int(spec["minReplicas"], "spec.minReplicas") ?? 1;
        var max = Int(spec["maxReplicas"], "spec.maxReplicas") ?? throw new FormatException("spec.maxReplicas is required");
        if (min < 0 || max < 1 || max < min)
        {
            throw new FormatException($"spec.minReplicas ({min}) and spec.maxReplicas ({max}) must satisfy 0 ≤ min ≤ max, max ≥ 1");
        }

        var metrics = (spec["metrics"] as JsonArray ?? throw new FormatException("spec.metrics is required")).Select((m, i) => Metric(m!, $"spec.metrics[{i}]")).ToList();
        if (metrics.Count == 0)
        {
            throw new FormatException("spec.metrics is empty");
        }

        return new HpaSpec
        {
            MinReplicas = min,
            MaxReplicas = max,
            Metrics = metrics,
            Behavior = spec["behavior"] is { } behavior ? Behaviour(behavior) : null,
        };
    }

    private static HpaMetric Metric(JsonNode node, string path)
    {
        var type = Text(node["type"]) ?? throw new FormatException(path + ".type is required");
        JsonNode source;
        string name;
        switch (type)
        {
            case "External":
                source = node["external"] ?? throw new FormatException(path + ".external is required");
                name = Text(source["metric"]?["name"]) ?? throw new FormatException(path + ".external.metric.name is required");
                break;
            case "Resource":
                source = node["resource"] ?? throw new FormatException(path + ".resource is required");
                name = Text(source["name"]) ?? throw new FormatException(path + ".resource.name is required");
                if (name != "cpu")
                {
                    throw new FormatException($"{path}: only the cpu resource is modelled, not {name}");
                }

                break;
            default:
                throw new FormatException($"{path}.type {type}: only External and Resource (cpu) metrics are modelled");
        }

        var target = source["target"] ?? throw new FormatException(path + " has no target");
        var targetType = Text(target["type"]) ?? throw new FormatException(path + ".target.type is required");
        var metric = targetType switch
        {
            "Value" => new HpaMetric(type, name, HpaTargetType.Value, PositiveQuantity(target["value"], path + ".target.value")),
            "AverageValue" => new HpaMetric(type, name, HpaTargetType.AverageValue, PositiveQuantity(target["averageValue"], path + ".target.averageValue")),
            "Utilization" when type == "Resource" => new HpaMetric(type, name, HpaTargetType.Utilization,
                Quantity.FromInt64(Int(target["averageUtilization"], path + ".target.averageUtilization") is { } u and > 0 ? u : throw new FormatException(path + ".target.averageUtilization must be > 0"))),
            _ => throw new FormatException($"{path}.target.type {targetType} is not valid for a {type} metric"),
        };
        return metric;
    }

    private static HpaBehavior Behaviour(JsonNode node) => new(
        Rules(node["scaleUp"], up: true),
        Rules(node["scaleDown"], up: false));

    /// <summary>API defaulting of one direction's rules (<c>pkg/apis/autoscaling/v2/defaults.go</c>).</summary>
    private static HpaScalingRules Rules(JsonNode? node, bool up)
    {
        var path = up ? "spec.behavior.scaleUp" : "spec.behavior.scaleDown";
        var window = Int(node?["stabilizationWindowSeconds"], path + ".stabilizationWindowSeconds");
        if (window is < 0 or > 3600)
        {
            throw new FormatException(path + ".stabilizationWindowSeconds must be 0..3600");
        }

        var select = Text(node?["selectPolicy"]) ?? "Max";
        if (select is not ("Max" or "Min" or "Disabled"))
        {
            throw new FormatException($"{path}.selectPolicy {select} is not Max, Min or Disabled");
        }

        var policies = node?["policies"] is JsonArray array
            ? array.Select((p, i) => Policy(p!, $"{path}.policies[{i}]")).ToList()
            : up ? [new HpaPolicy(HpaPolicyType.Pods, 4, 15), new HpaPolicy(HpaPolicyType.Percent, 100, 15)] : [new HpaPolicy(HpaPolicyType.Percent, 100, 15)];
        double? tolerance = node?["tolerance"] is { } t ? Quantity.Parse(Text(t)!).ToDouble() : null;
        return new HpaScalingRules(up ? window ?? 0 : window, select, policies, tolerance);
    }

    private static HpaPolicy Policy(JsonNode node, string path)
    {
        var type = Text(node["type"]) switch
        {
            "Pods" => HpaPolicyType.Pods,
            "Percent" => HpaPolicyType.Percent,
            var other => throw new FormatException($"{path}.type {other} is not Pods or Percent"),
        };
        var value = Int(node["value"], path + ".value") ?? 0;
        var period = Int(node["periodSeconds"], path + ".periodSeconds") ?? 0;
        if (value <= 0 || period is < 1 or > 1800)
        {
            throw new FormatException($"{path}: value must be > 0 and periodSeconds 1..1800");
        }

        return new HpaPolicy(type, value, period);
    }

    private static Quantity PositiveQuantity(JsonNode? node, string path)
    {
        var text = Text(node) ?? throw new FormatException(path + " is required");
        if (!Quantity.TryParse(text, out var quantity, out var error))
        {
            throw new FormatException($"{path}: {error}");
        }

        return quantity.Sign > 0 ? quantity : throw new FormatException(path + " must be > 0");
    }

    private static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonValue value => value.ToJsonString(),
        _ => throw new FormatException("expected a value, found " + node.ToJsonString()),
    };

    private static int? Int(JsonNode? node, string path) =>
        Text(node) is not { } text ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw new FormatException($"{path} is not an integer: {text}");

    /// <summary>YAML to JSON; every scalar becomes a string (the readers above accept numbers written either way).</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(pair => new KeyValuePair<string, JsonNode?>(((YamlScalarNode)pair.Key).Value!, ToJson(pair.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode { Value: null or "null" or "~" } scalar when scalar.Style == YamlDotNet.Core.ScalarStyle.Plain => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => null,
    };
}

public enum HpaTargetType
{
    Value,
    AverageValue,
    Utilization,
}

/// <summary>
/// One metric of an HPA: External (by name) or Resource cpu, and its target: a value, an average value, or a
/// utilization percentage (as an integer quantity).
/// </summary>
public sealed record HpaMetric(string Type, string Name, HpaTargetType TargetType, Quantity Target);

public enum HpaPolicyType
{
    Pods,
    Percent,
}

public sealed record HpaPolicy(HpaPolicyType Type, int Value, int PeriodSeconds);

/// <summary>
/// One direction's rules. A null stabilisation window for scale-down means the controller's flag (5 minutes by
/// default); a null tolerance means the controller's flag (per-HPA tolerance is <c>HPAConfigurableTolerance</c>).
/// </summary>
public sealed record HpaScalingRules(int? StabilizationWindowSeconds, string SelectPolicy, IReadOnlyList<HpaPolicy> Policies, double? Tolerance);

public sealed record HpaBehavior(HpaScalingRules ScaleUp, HpaScalingRules ScaleDown);
