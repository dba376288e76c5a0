using System.Buffers;
using System.IO.Pipelines;
using MetricsAdapter.ApiServer.Requests;
using MetricsAdapter.ApiServer.Status;
using MetricsAdapter.Injection.Patch;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace MetricsAdapter.Injection.Webhook;

/// <summary>
/// <c>POST /mutate</c>: the HTTP side of the webhook. Checks method, media type and size, honours the API server's
/// <c>?timeout=</c>, hands the body to <see cref="SidecarInjectionWebhook"/>, and sends its answer.
/// </summary>
public static class WebhookEndpoints
{
    public const string Path = "/mutate";
    private static readonly string[] PostOnly = ["POST"];

    public static IEndpointConventionBuilder MapSidecarInjectionWebhook(this IEndpointRouteBuilder endpoints, string path = Path)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.Map(path, HandleAsync).WithDisplayName("sidecar injection webhook");
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsPost(request.Method))
        {
            response.Headers.Allow = "POST";
            await response.WriteStatusAsync(StatusErrors.MethodNotAllowed(request.Method, PostOnly));
            return;
        }

        if (!IsJson(request.ContentType))
        {
            await response.WriteStatusAsync(StatusErrors.UnsupportedMediaType(request.ContentType, "application/json"));
            return;
        }

        var services = context.RequestServices.GetRequiredService<WebhookServices>();
        var options = services.Options;
        if (request.ContentLength > options.MaxRequestBytes)
        {
            await response.WriteStatusAsync(StatusErrors.RequestEntityTooLarge(options.MaxRequestBytes));
            return;
        }

        if (!KubernetesRequests.TryReadTimeout(request, out var timeout, out var timeoutError))
        {
            await response.WriteStatusAsync(timeoutError);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = options.MaxRequestBytes + 1L;
        }

        var deadline = ReviewDeadline.After(timeout, services.Clock, context.RequestAborted);

        // The body is reviewed where Kestrel received it (no copy); it is released once the answer is written.
        var reader = request.BodyReader;
        var body = await ReadBodyAsync(reader, options.MaxRequestBytes, context.RequestAborted);
        if (body is not { } received)
        {
            await response.WriteStatusAsync(StatusErrors.RequestEntityTooLarge(options.MaxRequestBytes));
            return;
        }

        try
        {
            using var outcome = services.Webhook.Review(received.Buffer, deadline);
            services.Telemetry.Record(outcome);
            if (outcome.BadRequest is not null)
            {
                await response.WriteStatusAsync(StatusErrors.BadRequest($"not a valid AdmissionReview: {outcome.BadRequest}"));
                return;
            }

            // Written whole first so the answer carries a Content-Length: one write, no chunked framing.
            using var answer = new PooledBufferWriter(4096);
            outcome.Response!.WriteReview(answer, outcome.Request!);
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json";
            response.ContentLength = answer.WrittenMemory.Length;
            response.BodyWriter.Write(answer.WrittenMemory.Span);
        }
        finally
        {
            reader.AdvanceTo(received.Buffer.End);
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static bool IsJson(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var mediaType = contentType.AsSpan();
        var parameters = mediaType.IndexOf(';');
        return (parameters < 0 ? mediaType : mediaType[..parameters]).Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The whole body, still held by the reader (the caller must <c>AdvanceTo</c> its end), or null when it is longer
    /// than <paramref name="limit"/> bytes.
    /// </summary>
    private static async Task<ReadResult?> ReadBodyAsync(PipeReader reader, int limit, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                if (result.Buffer.Length > limit)
                {
                    reader.AdvanceTo(result.Buffer.End);
                    return null;
                }

                if (result.IsCompleted)
                {
                    return result;
                }

                // Nothing consumed yet: ask for more, keeping everything received so far.
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }
}

/// <summary>What <c>POST /mutate</c> needs, resolved once at start rather than looked up on every review.</summary>
internal sealed record WebhookServices(SidecarInjectionWebhook Webhook, WebhookTelemetry Telemetry, InjectionOptions Options, TimeProvider Clock);
