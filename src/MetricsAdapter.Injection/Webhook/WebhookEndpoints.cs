using System.Buffers;
using MetricsAdapter.ApiServer.Requests;
using MetricsAdapter.ApiServer.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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

        var options = context.RequestServices.GetRequiredService<IOptions<InjectionOptions>>().Value;
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

        var deadline = ReviewDeadline.After(timeout, context.RequestServices.GetRequiredService<TimeProvider>(), context.RequestAborted);

        var expected = (int)Math.Min(request.ContentLength ?? 16 * 1024, options.MaxRequestBytes);
        var body = new ArrayBufferWriter<byte>(expected + 1);
        if (!await ReadBodyAsync(request, body, options.MaxRequestBytes, context.RequestAborted))
        {
            await response.WriteStatusAsync(StatusErrors.RequestEntityTooLarge(options.MaxRequestBytes));
            return;
        }

        var webhook = context.RequestServices.GetRequiredService<SidecarInjectionWebhook>();
        var outcome = webhook.Review(body.WrittenSpan, deadline);
        context.RequestServices.GetRequiredService<WebhookTelemetry>().Record(outcome);
        if (outcome.BadRequest is not null)
        {
            await response.WriteStatusAsync(StatusErrors.BadRequest($"not a valid AdmissionReview: {outcome.BadRequest}"));
            return;
        }

        var bytes = outcome.Response!.ToReview(outcome.Request!);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && contentType.Split(';', 2)[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads at most <paramref name="limit"/> bytes; false when the body is longer.</summary>
    private static async Task<bool> ReadBodyAsync(HttpRequest request, ArrayBufferWriter<byte> destination, int limit, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                // Ask for what is left of a declared length (no regrowth), else a page at a time.
                var memory = destination.GetMemory(Math.Max(1, destination.FreeCapacity > 0 ? destination.FreeCapacity : 4096));
                var read = await request.Body.ReadAsync(memory, cancellationToken);
                if (read == 0)
                {
                    return true;
                }

                destination.Advance(read);
                if (destination.WrittenCount > limit)
                {
                    return false;
                }
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return false;
        }
    }
}
