using System.Text.Json;
using k8s.Autorest;

namespace MetricsAdapter.ApiServer.Kubernetes;

/// <summary>How a call to kube-apiserver through KubernetesClient fails, and how we say so.</summary>
public static class KubernetesFailures
{
    /// <summary>
    /// The call got no usable answer: a status error, no connection, an unreadable body, or our own timeout (a
    /// cancellation the caller did not ask for). The caller's own cancellation is not a failure.
    /// </summary>
    public static bool IsCallFailure(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        HttpOperationException or HttpRequestException or k8s.KubernetesException or JsonException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    /// <summary>One line for a log or a Status message.</summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            HttpOperationException { Response: { } response } =>
                $"kube-apiserver answered {(int)response.StatusCode} {response.ReasonPhrase}{Body(response.Content)}",
            OperationCanceledException => "kube-apiserver did not answer in time",
            _ => exception.Message,
        };
    }

    private static string Body(string? content) =>
        string.IsNullOrWhiteSpace(content) ? string.Empty : ": " + (content.Length > 200 ? content[..200] + "…" : content).ReplaceLineEndings(" ");
}
