using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.Injection.Webhook;

/// <summary>Logs and counts every review: decision, reason label, dry run. Never logs pod specs.</summary>
public sealed partial class WebhookTelemetry : IDisposable
{
    public const string MeterName = "MetricsAdapter.Injection";

    private readonly Meter _meter;
    private readonly Counter<long> _reviews;
    private readonly ILogger<WebhookTelemetry> _logger;

    public WebhookTelemetry(IMeterFactory meterFactory, ILogger<WebhookTelemetry> logger)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _reviews = _meter.CreateCounter<long>("metrics_adapter.webhook.reviews", "{review}",
            "Admission reviews answered, by decision (injected, skipped, error, bad_request), reason label and dry run.");
        _logger = logger;
    }

    public void Record(WebhookOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.BadRequest is not null)
        {
            Count("bad_request", "bad-request", dryRun: false);
            LogBadRequest(_logger, outcome.BadRequest);
            return;
        }

        var request = outcome.Request!;
        Count(outcome.DecisionLabel, outcome.ReasonLabel, request.DryRun);
        var level = outcome.Error is not null ? LogLevel.Error
            : outcome.Decision!.SkipReason == Policy.SkipReasons.AlreadyInjected ? LogLevel.Debug
            : LogLevel.Information;
        if (!_logger.IsEnabled(level))
        {
            // The pod's name is built for a line that is written, not on every review.
            return;
        }

        var pod = SidecarInjectionWebhook.PodName(request);
        if (outcome.Error is not null)
        {
            LogFailed(_logger, request.Namespace, pod, request.Uid, outcome.Response!.Allowed ? "allowed unchanged" : "denied", outcome.Error);
        }
        else if (outcome.Decision!.Inject)
        {
            LogInjected(_logger, request.Namespace, pod, outcome.Decision.Target!.Service, outcome.Decision.Target.Native, request.DryRun, outcome.Operations.Count);
        }
        else if (outcome.Decision.SkipReason == Policy.SkipReasons.AlreadyInjected)
        {
            LogAlreadyInjected(_logger, request.Namespace, pod);
        }
        else
        {
            LogSkipped(_logger, request.Namespace, pod, outcome.Decision.SkipReason!, outcome.Decision.Message, request.DryRun);
        }
    }

    public void Dispose() => _meter.Dispose();

    private void Count(string decision, string reason, bool dryRun) => _reviews.Add(1,
        new KeyValuePair<string, object?>("decision", decision),
        new KeyValuePair<string, object?>("reason", reason),
        new KeyValuePair<string, object?>("dry_run", dryRun ? "true" : "false"));

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information,
        Message = "Injected the predictor sidecar into {Namespace}/{Pod}: service {Service}, native {Native}, dry run {DryRun}, {Operations} patch operations")]
    private static partial void LogInjected(ILogger logger, string @namespace, string pod, string service, bool native, bool dryRun, int operations);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Did not inject into {Namespace}/{Pod}: {Reason}: {Explanation} (dry run {DryRun})")]
    private static partial void LogSkipped(ILogger logger, string @namespace, string pod, string reason, string explanation, bool dryRun);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "{Namespace}/{Pod} already has the sidecar (re-invocation or retry)")]
    private static partial void LogAlreadyInjected(ILogger logger, string @namespace, string pod);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "Injector failed on {Namespace}/{Pod} (review {Uid}); the pod was {Action}")]
    private static partial void LogFailed(ILogger logger, string @namespace, string pod, string uid, string action, Exception exception);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Refused an admission review: {Reason}")]
    private static partial void LogBadRequest(ILogger logger, string reason);
}
