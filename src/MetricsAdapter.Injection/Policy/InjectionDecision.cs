namespace MetricsAdapter.Injection.Policy;

/// <summary>Reason labels for not injecting: stable values, used in logs, metrics and audit annotations.</summary>
public static class SkipReasons
{
    public const string NotPodCreate = "not-pod-create";
    public const string SystemNamespace = "system-namespace";
    public const string AdapterNamespace = "adapter-namespace";
    public const string OptedOut = "opted-out";
    public const string HostNetwork = "host-network";
    public const string AlreadyInjected = "already-injected";
    public const string InvalidPod = "invalid-pod";
    public const string RunToCompletionWithoutNativeSidecars = "run-to-completion-without-native-sidecars";
    public const string NoServiceName = "no-service-name";
    public const string PortConflict = "port-conflict";
}

/// <summary>Where the sidecar will look for the app's metrics and how it names the service.</summary>
/// <param name="Service">The service the pod belongs to: the <c>service</c> label of its series.</param>
/// <param name="MetricsPort">The app's metrics port.</param>
/// <param name="MetricsPath">The app's metrics path.</param>
/// <param name="Native">Inject as a native sidecar (initContainers, restartPolicy Always).</param>
public sealed record InjectionTarget(string Service, int MetricsPort, string MetricsPath, bool Native);

/// <summary>The policy's answer: inject (with the resolved target) or skip (with a reason label). Both may carry warnings.</summary>
public sealed record InjectionDecision
{
    private InjectionDecision(InjectionTarget? target, string? skipReason, string message, IReadOnlyList<string> warnings)
    {
        Target = target;
        SkipReason = skipReason;
        Message = message;
        Warnings = warnings;
    }

    public InjectionTarget? Target { get; }

    public string? SkipReason { get; }

    /// <summary>For people: why, in a sentence.</summary>
    public string Message { get; }

    /// <summary>Shown to whoever created the pod (each under 120 characters).</summary>
    public IReadOnlyList<string> Warnings { get; }

    public bool Inject => Target is not null;

    public static InjectionDecision InjectWith(InjectionTarget target, IReadOnlyList<string> warnings) =>
        new(target, null, $"injecting for service {target.Service}", warnings);

    public static InjectionDecision Skip(string reason, string message, params IReadOnlyList<string> warnings) =>
        new(null, reason, message, warnings);
}
