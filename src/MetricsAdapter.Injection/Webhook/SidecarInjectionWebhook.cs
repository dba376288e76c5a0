using MetricsAdapter.Injection.Admission;
using MetricsAdapter.Injection.Json;
using MetricsAdapter.Injection.Mutation;
using MetricsAdapter.Injection.Patch;
using MetricsAdapter.Injection.Policy;

namespace MetricsAdapter.Injection.Webhook;

/// <summary>
/// The time a review may take: the API server's <c>?timeout=</c>, measured on the injected clock (not by a timer
/// callback, which a busy thread pool can delay), plus the caller hanging up.
/// </summary>
public readonly record struct ReviewDeadline(TimeProvider Clock, long? ExpiresAt, CancellationToken Aborted)
{
    public static ReviewDeadline None { get; } = new(TimeProvider.System, null, CancellationToken.None);

    public static ReviewDeadline After(TimeSpan? timeout, TimeProvider clock, CancellationToken aborted)
    {
        ArgumentNullException.ThrowIfNull(clock);
        long? expiresAt = timeout is { } limit ? clock.GetTimestamp() + (long)(limit.TotalSeconds * clock.TimestampFrequency) : null;
        return new ReviewDeadline(clock, expiresAt, aborted);
    }

    /// <exception cref="OperationCanceledException">The caller left, or the API server stopped waiting.</exception>
    public void ThrowIfExpired()
    {
        Aborted.ThrowIfCancellationRequested();
        if (ExpiresAt is { } expiresAt && Clock.GetTimestamp() >= expiresAt)
        {
            throw new OperationCanceledException("the API server's timeout for this review has passed");
        }
    }
}

/// <summary>
/// What one review came to, for the HTTP layer to send and for telemetry to record. Dispose it once the answer is
/// written: the request's elements live in a pooled parse of the body.
/// </summary>
public sealed record WebhookOutcome : IDisposable
{
    internal SparseDocument? Document { get; init; }

    internal PooledBufferWriter? PatchBuffer { get; init; }

    /// <summary>Set when the body was not a usable AdmissionReview: answered with a 400.</summary>
    public string? BadRequest { get; init; }

    public AdmissionRequest? Request { get; init; }

    public InjectionDecision? Decision { get; init; }

    /// <summary>The answer, when there is one to send.</summary>
    public AdmissionResponse? Response { get; init; }

    /// <summary>An internal failure, answered per <see cref="InjectionOptions.OnInternalError"/>.</summary>
    public Exception? Error { get; init; }

    /// <summary>The patch operations sent, for logs and tests.</summary>
    public IReadOnlyList<JsonPatchOperation> Operations { get; init; } = [];

    public string DecisionLabel => Error is not null ? "error" : Decision?.Inject == true ? "injected" : "skipped";

    public string ReasonLabel => Error is not null ? "internal-error" : Decision?.SkipReason ?? "none";

    public void Dispose()
    {
        PatchBuffer?.Dispose();
        Document?.Dispose();
    }
}

/// <summary>
/// The webhook as a pipeline of small pure stages: read the review, decide (policy), build the desired pod
/// (injector), diff it against the original (JSON Patch), answer. No I/O, no logging: the caller sends and records.
/// </summary>
public sealed class SidecarInjectionWebhook(IInjectionPolicy policy, SidecarInjector injector, InjectionOptions options, MemberNameTable? names = null)
{
    public const string AuditDecisionKey = "injection";
    public const string AuditReasonKey = "injection-reason";
    private const string FailOpenWarning = "metrics-adapter: sidecar not injected: the injector failed; see its log";
    private readonly AuditAnnotations _audit = new();

    /// <summary>Reviews one AdmissionReview body; keep <paramref name="body"/> unchanged until the outcome is disposed.</summary>
    public WebhookOutcome Review(System.Buffers.ReadOnlySequence<byte> body, ReviewDeadline deadline)
    {
        if (!AdmissionReviewReader.TryRead(body, names, out var request, out var document, out var error))
        {
            return new WebhookOutcome { BadRequest = error };
        }

        return Review(request, document, deadline);
    }

    private WebhookOutcome Review(AdmissionRequest request, SparseDocument document, ReviewDeadline deadline)
    {
        PooledBufferWriter? patch = null;
        try
        {
            deadline.ThrowIfExpired();
            var decision = policy.Decide(request);
            deadline.ThrowIfExpired();
            if (!decision.Inject)
            {
                return Answer(request, document, decision, [], null);
            }

            var pod = request.Object!.Value;
            var desired = injector.Inject(pod, decision.Target!);
            var operations = JsonPatch.Diff(JsonView.Wrap(pod), desired);
            if (operations.Count > 0)
            {
                patch = new PooledBufferWriter(4096);
                JsonPatch.Serialize(operations, patch);
            }

            deadline.ThrowIfExpired();
            return Answer(request, document, decision, operations, patch);
        }
#pragma warning disable CA1031 // Any failure of ours becomes an answer per the configured failure action, never a dropped call.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            patch?.Dispose();
            return Failure(request, document, exception);
        }
    }

    private WebhookOutcome Answer(
        AdmissionRequest request, SparseDocument document, InjectionDecision decision, IReadOnlyList<JsonPatchOperation> operations, PooledBufferWriter? patch)
    {
        var response = new AdmissionResponse(
            Allowed: true,
            Patch: patch?.WrittenMemory ?? ReadOnlyMemory<byte>.Empty,
            decision.Warnings,
            _audit.Of(decision));
        return new WebhookOutcome { Request = request, Document = document, PatchBuffer = patch, Decision = decision, Response = response, Operations = operations };
    }

    private WebhookOutcome Failure(AdmissionRequest request, SparseDocument document, Exception exception)
    {
        var audit = _audit.Failed(exception is OperationCanceledException ? "timeout" : "internal-error");
        var response = options.OnInternalError == InternalErrorAction.Deny
            ? new AdmissionResponse(false, ReadOnlyMemory<byte>.Empty, [], audit, 500, "metrics-adapter: the sidecar injector failed and is configured to deny; see its log")
            : new AdmissionResponse(true, ReadOnlyMemory<byte>.Empty, [FailOpenWarning], audit);
        return new WebhookOutcome { Request = request, Document = document, Response = response, Error = exception };
    }

    /// <summary>The audit annotations of each answer: a handful of fixed combinations, built once each.</summary>
    private sealed class AuditAnnotations
    {
        private readonly IReadOnlyDictionary<string, string> _injected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [AuditDecisionKey] = "injected",
        };

        private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Decision, string Reason), IReadOnlyDictionary<string, string>> _withReason = new();

        public IReadOnlyDictionary<string, string> Of(InjectionDecision decision) =>
            decision.SkipReason is { } reason ? Get("skipped", reason) : _injected;

        public IReadOnlyDictionary<string, string> Failed(string reason) => Get("error", reason);

        // Reasons are the policy's constants, so this stays as small as that list.
        private IReadOnlyDictionary<string, string> Get(string decision, string reason) =>
            _withReason.GetOrAdd((decision, reason), static key => new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [AuditDecisionKey] = key.Decision,
                [AuditReasonKey] = key.Reason,
            });
    }

    /// <summary>The pod's name for logs: its name, or its generateName prefix at CREATE.</summary>
    public static string PodName(AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Name.Length > 0)
        {
            return request.Name;
        }

        return request.Object is { } pod && JsonRead.Text(JsonRead.Member(pod, "metadata"), "generateName") is { } generated
            ? generated + "*"
            : "(unnamed)";
    }
}
