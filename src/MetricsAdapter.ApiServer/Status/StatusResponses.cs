using System.Text.Json;
using MetricsAdapter.ApiServer.Json;
using Microsoft.AspNetCore.Http;

namespace MetricsAdapter.ApiServer.Status;

/// <summary>Writes Status objects as HTTP responses: the code from the Status, JSON body, no caching.</summary>
public static class StatusResponses
{
    /// <summary>Writes <paramref name="status"/> unless the response has already started.</summary>
    public static Task WriteStatusAsync(this HttpResponse response, KubernetesStatus status)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(status);
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        response.StatusCode = status.Code;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-cache, private";
        return JsonSerializer.SerializeAsync(response.Body, status, ApiMachineryJsonContext.Wire.KubernetesStatus, response.HttpContext.RequestAborted);
    }
}
