using MetricsAdapter.Core.Labels;
using MetricsAdapter.Core.Validation;
using MetricsAdapter.Prediction.Detection;
using MetricsAdapter.Prediction.Forecasting;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.Decisions;

/// <summary>The rules between options that attributes cannot state; each failure names the option and the fix.</summary>
public sealed class DecisionOptionsValidator : IValidateOptions<DecisionOptions>
{
    public ValidateOptionsResult Validate(string? name, DecisionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.ModelStep < options.Tick || options.ModelStep.Ticks % options.Tick.Ticks != 0)
        {
            failures.Add($"Decisions:ModelStep ({options.ModelStep}) must be a whole number of ticks (Decisions:Tick {options.Tick})");
        }

        if (TimeSpan.FromDays(1).Ticks % options.Tick.Ticks != 0)
        {
            failures.Add($"Decisions:Tick ({options.Tick}) must divide a day, so ticks fall on the same instants on every replica and after restarts");
        }

        if (options.StopServingAfter <= options.StaleAfter)
        {
            failures.Add("Decisions:StopServingAfter must be longer than Decisions:StaleAfter");
        }

        if (options.PodGoneAfter <= options.PodSilentAfter)
        {
            failures.Add("Decisions:PodGoneAfter must be longer than Decisions:PodSilentAfter");
        }

        if (options.PodSilentMax < options.PodGoneAfter)
        {
            failures.Add("Decisions:PodSilentMax must not be shorter than Decisions:PodGoneAfter");
        }

        if (options.ForgetAfter <= options.StopServingAfter)
        {
            failures.Add("Decisions:ForgetAfter must be longer than Decisions:StopServingAfter");
        }

        if (!Forecasters.Names.Contains(options.Forecaster, StringComparer.Ordinal))
        {
            failures.Add($"Decisions:Forecaster \"{options.Forecaster}\" is unknown; known: {string.Join(", ", Forecasters.Names)}");
        }

        if (!Detectors.Names.Contains(options.Detector, StringComparer.Ordinal))
        {
            failures.Add($"Decisions:Detector \"{options.Detector}\" is unknown; known: {string.Join(", ", Detectors.Names)}");
        }

        foreach (var ns in options.Namespaces)
        {
            if (KubernetesNames.ValidateDns1123Label(ns ?? string.Empty) is { } error)
            {
                failures.Add($"Decisions:Namespaces: \"{ns}\" {error}");
            }
        }

        if (options.Labels.ContainsKey(ServiceLabels.ServiceKey))
        {
            failures.Add("Decisions:Labels must not set \"service\": every series carries its own service label");
        }
        else if (!LabelSet.TryCreate(options.Labels, out _, out var labelError))
        {
            failures.Add("Decisions:Labels: " + labelError);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The labels of a served series.</summary>
public static class ServiceLabels
{
    /// <summary>Every series carries <c>service=&lt;name&gt;</c>: HPA specs select on it.</summary>
    public const string ServiceKey = "service";
}
