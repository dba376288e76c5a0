using MetricsAdapter.ApiServer.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.ApiServer.Errors;

/// <summary>The two ends of the pipeline: a bug becomes a 500 Status (and the server keeps serving); an unserved path a 404 Status.</summary>
public static partial class KubernetesErrorHandling
{
    /// <summary>Outermost: any unhandled exception is logged and answered with an InternalError Status.</summary>
    public static IApplicationBuilder UseKubernetesInternalErrors(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.ApplicationServices.GetService(typeof(ILoggerFactory)) is ILoggerFactory factory
            ? factory.CreateLogger("MetricsAdapter.ApiServer.Errors")
            : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        return app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; nobody is listening for an answer.
            }
            catch (BadHttpRequestException exception)
            {
                await context.Response.WriteStatusAsync(exception.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? StatusErrors.RequestEntityTooLarge(context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? 0)
                    : StatusErrors.BadRequest(exception.Message));
            }
#pragma warning disable CA1031 // The last line of defence: every failure becomes a Status, never a dropped connection.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogUnhandled(logger, context.Request.Method, context.Request.Path.Value ?? string.Empty, exception);
                await context.Response.WriteStatusAsync(StatusErrors.InternalError("the server failed to handle the request; see its log"));
            }
        });
    }

    /// <summary>A catch-all route of the lowest precedence: a request no other endpoint matched gets a NotFound Status.</summary>
    public static IEndpointConventionBuilder MapKubernetesNotFound(this Microsoft.AspNetCore.Routing.IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.Map("{**path}", context => context.Response.WriteStatusAsync(StatusErrors.PathNotFound(context.Request.Path.Value ?? string.Empty)))
            .WithDisplayName("not found")
            .WithOrder(int.MaxValue);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Unhandled error serving {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);
}
