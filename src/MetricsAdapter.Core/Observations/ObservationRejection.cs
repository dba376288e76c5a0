namespace MetricsAdapter.Core.Observations;

/// <summary>
/// Why a record on the observation topic was skipped. Each has a stable label (<see cref="ObservationRejections.Label"/>)
/// used in logs and metrics; the set only grows.
/// </summary>
public enum ObservationRejection
{
    None,

    /// <summary>Not a JSON object, or not UTF-8.</summary>
    NotJson,

    /// <summary>Larger than <see cref="ObservationJson.MaxBytes"/>.</summary>
    TooLarge,

    /// <summary><c>schema</c> is missing or names another schema or version.</summary>
    WrongSchema,

    /// <summary>A required field is missing or has the wrong JSON type.</summary>
    MissingField,

    /// <summary>The namespace, service, pod or node is not a valid Kubernetes name.</summary>
    InvalidIdentity,

    /// <summary>The interval is empty, reversed, longer than an hour, or not in UTC.</summary>
    InvalidInterval,

    /// <summary>A count or score that cannot be: negative, not finite, more errors than requests, a score outside [0, 1].</summary>
    ImpossibleValue,

    /// <summary>The latency histogram breaks the histogram rules (see <see cref="LatencyHistogram.Validate"/>).</summary>
    InvalidHistogram,

    /// <summary>The record's key is not the <c>namespace/service</c> of its value.</summary>
    KeyMismatch,

    /// <summary>The namespace is not one this adapter is configured to serve.</summary>
    UnknownNamespace,

    /// <summary>The service would exceed the adapter's bound on services.</summary>
    TooManyServices,

    /// <summary>The pod would exceed the bound on pods per service.</summary>
    TooManyPods,
}

public static class ObservationRejections
{
    public static string Label(this ObservationRejection rejection) => rejection switch
    {
        ObservationRejection.None => "none",
        ObservationRejection.NotJson => "not-json",
        ObservationRejection.TooLarge => "too-large",
        ObservationRejection.WrongSchema => "wrong-schema",
        ObservationRejection.MissingField => "missing-field",
        ObservationRejection.InvalidIdentity => "invalid-identity",
        ObservationRejection.InvalidInterval => "invalid-interval",
        ObservationRejection.ImpossibleValue => "impossible-value",
        ObservationRejection.InvalidHistogram => "invalid-histogram",
        ObservationRejection.KeyMismatch => "key-mismatch",
        ObservationRejection.UnknownNamespace => "unknown-namespace",
        ObservationRejection.TooManyServices => "too-many-services",
        ObservationRejection.TooManyPods => "too-many-pods",
        _ => "other",
    };
}
