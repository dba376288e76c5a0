using System.Diagnostics.CodeAnalysis;
using MetricsAdapter.Core.Validation;

namespace MetricsAdapter.Core.Pipeline;

/// <summary>
/// One service of one namespace: the unit the decision manager aggregates, forecasts and decides for. Its text
/// form <c>namespace/service</c> is the key of the observation topic and the subject of every decision record.
/// </summary>
/// <remarks>Neither part can contain <c>/</c> (a namespace is a DNS-1123 label, a service a label value), so the text form is unambiguous.</remarks>
public readonly record struct ServiceKey
{
    private ServiceKey(string @namespace, string service)
    {
        Namespace = @namespace;
        Service = service;
    }

    public string Namespace { get; }

    public string Service { get; }

    /// <summary>Validates both parts; the error names the offending one.</summary>
    public static bool TryCreate(string @namespace, string service, out ServiceKey key, [NotNullWhen(false)] out string? error)
    {
        key = default;
        if (KubernetesNames.ValidateDns1123Label(@namespace ?? string.Empty) is { } namespaceError)
        {
            error = $"namespace \"{@namespace}\" is invalid: {namespaceError}";
            return false;
        }

        if (string.IsNullOrEmpty(service))
        {
            error = "service must not be empty";
            return false;
        }

        if (KubernetesNames.ValidateLabelValue(service) is { } serviceError)
        {
            error = $"service \"{service}\" is invalid: {serviceError}";
            return false;
        }

        key = new ServiceKey(@namespace!, service);
        error = null;
        return true;
    }

    /// <exception cref="ArgumentException">Either part is invalid.</exception>
    public static ServiceKey Create(string @namespace, string service) =>
        TryCreate(@namespace, service, out var key, out var error) ? key : throw new ArgumentException(error);

    /// <summary>Parses <c>namespace/service</c>.</summary>
    public static bool TryParse(string? text, out ServiceKey key, [NotNullWhen(false)] out string? error)
    {
        key = default;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash <= 0)
        {
            error = $"\"{text}\" is not namespace/service";
            return false;
        }

        return TryCreate(text[..slash], text[(slash + 1)..], out key, out error);
    }

    public override string ToString() => Namespace + "/" + Service;
}

/// <summary>One served metric of one service: the key of the decision topic, <c>namespace/service/metric</c>.</summary>
public readonly record struct MetricKey(ServiceKey Service, string Metric)
{
    public override string ToString() => Service + "/" + Metric;
}
