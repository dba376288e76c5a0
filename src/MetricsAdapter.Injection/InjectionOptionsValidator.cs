using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Core.Quantities;
using MetricsAdapter.Core.Validation;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.Injection;

/// <summary>The checks DataAnnotations cannot express: quantities, limits against requests, names, versions.</summary>
public sealed class InjectionOptionsValidator : IValidateOptions<InjectionOptions>
{
    public ValidateOptionsResult Validate(string? name, InjectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var cpuRequest = PositiveQuantity(nameof(options.CpuRequest), options.CpuRequest, failures);
        var memoryRequest = PositiveQuantity(nameof(options.MemoryRequest), options.MemoryRequest, failures);
        if (!string.IsNullOrEmpty(options.CpuLimit) && PositiveQuantity(nameof(options.CpuLimit), options.CpuLimit, failures) is { } cpuLimit
            && cpuRequest is { } cpu && cpuLimit < cpu)
        {
            failures.Add($"Injection:CpuLimit {options.CpuLimit} is below Injection:CpuRequest {options.CpuRequest}");
        }

        if (!string.IsNullOrEmpty(options.MemoryLimit) && PositiveQuantity(nameof(options.MemoryLimit), options.MemoryLimit, failures) is { } memoryLimit
            && memoryRequest is { } memory && memoryLimit < memory)
        {
            failures.Add($"Injection:MemoryLimit {options.MemoryLimit} is below Injection:MemoryRequest {options.MemoryRequest}");
        }

        if (KubernetesNames.ValidateDns1123Label(options.ContainerName ?? string.Empty) is { } containerError)
        {
            failures.Add($"Injection:ContainerName \"{options.ContainerName}\": {containerError}");
        }

        foreach (var ns in options.EffectiveExcludedNamespaces.Append(options.AdapterNamespace))
        {
            if (KubernetesNames.ValidateDns1123Label(ns ?? string.Empty) is { } namespaceError)
            {
                failures.Add($"namespace \"{ns}\" in Injection: {namespaceError}");
            }
        }

        if (options.DefaultMetricsPath is null || !options.DefaultMetricsPath.StartsWith('/'))
        {
            failures.Add($"Injection:DefaultMetricsPath must start with '/', not \"{options.DefaultMetricsPath}\"");
        }

        if (options.ClusterVersion is { Length: > 0 } version && !InjectionOptions.TryParseVersion(version, out _))
        {
            failures.Add($"Injection:ClusterVersion \"{version}\" is not a version such as 1.29 or v1.30.2");
        }

        if (string.IsNullOrEmpty(options.Image) || options.Image.Any(char.IsWhiteSpace))
        {
            failures.Add($"Injection:Image \"{options.Image}\" is not an image reference");
        }

        if (options.KafkaSecretName is { Length: > 0 } secret && KubernetesNames.ValidateDns1123Subdomain(secret) is { } secretError)
        {
            failures.Add($"Injection:KafkaSecretName \"{secret}\": {secretError}");
        }

        if (options.KafkaBootstrap is { } bootstrap && (bootstrap.Length == 0 || bootstrap.Any(char.IsWhiteSpace)))
        {
            failures.Add($"Injection:KafkaBootstrap \"{bootstrap}\" is not a list of host:port");
        }

        foreach (var variable in options.Environment?.Keys ?? [])
        {
            if (variable.Length == 0 || !(char.IsAsciiLetter(variable[0]) || variable[0] == '_') || !variable.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                failures.Add($"Injection:Environment name \"{variable}\" is not a valid environment variable name");
            }
            else if (SidecarContract.Reserved.Contains(variable))
            {
                failures.Add($"Injection:Environment name \"{variable}\" is set by the injector itself");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static Quantity? PositiveQuantity(string field, string? text, List<string> failures)
    {
        if (!Quantity.TryParse(text, out var quantity, out var error))
        {
            failures.Add($"Injection:{field} \"{text}\": {error}");
            return null;
        }

        if (quantity.Sign <= 0)
        {
            failures.Add($"Injection:{field} must be positive, not \"{text}\"");
            return null;
        }

        return quantity;
    }
}
