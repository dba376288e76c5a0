using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MetricsAdapter.ApiServer.Serving;

namespace MetricsAdapter.ApiServer.Kubernetes;

/// <summary>Failure to get an answer from kube-apiserver (transport, status, or an unreadable body).</summary>
public sealed class KubernetesApiException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The three kube-apiserver calls a delegating API server makes (KubernetesClient is not obtainable here, and
/// these are small): TokenReview, SubjectAccessReview, and reading a ConfigMap.
/// </summary>
public sealed class KubernetesApiClient : IDisposable
{
    private static readonly TimeSpan TokenFileRefresh = TimeSpan.FromMinutes(1);

    private readonly KubernetesClientConfig _config;
    private readonly TimeProvider _timeProvider;
    private readonly HttpClient _http;
    private readonly Lock _tokenGate = new();
    private (string Token, DateTimeOffset ReadAt)? _fileToken;

    public KubernetesApiClient(KubernetesClientConfig config, TimeProvider timeProvider, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _timeProvider = timeProvider;
        _http = new HttpClient(handler ?? CreateHandler(config, timeProvider), disposeHandler: true)
        {
            BaseAddress = config.Server,
            Timeout = TimeSpan.FromSeconds(10),
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("metrics-adapter");
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public Uri Server => _config.Server;

    public async Task<TokenReviewStatus> ReviewTokenAsync(string token, IReadOnlyList<string>? audiences, CancellationToken cancellationToken)
    {
        var review = await PostAsync("/apis/authentication.k8s.io/v1/tokenreviews",
            new TokenReview { Spec = new TokenReviewSpec(token, audiences) }, KubernetesApiJsonContext.Default.TokenReview, cancellationToken);
        return review.Status ?? throw new KubernetesApiException("TokenReview came back without a status");
    }

    public async Task<SubjectAccessReviewStatus> ReviewAccessAsync(SubjectAccessReviewSpec spec, CancellationToken cancellationToken)
    {
        var review = await PostAsync("/apis/authorization.k8s.io/v1/subjectaccessreviews",
            new SubjectAccessReview { Spec = spec }, KubernetesApiJsonContext.Default.SubjectAccessReview, cancellationToken);
        return review.Status ?? throw new KubernetesApiException("SubjectAccessReview came back without a status");
    }

    /// <summary>The data of a ConfigMap, or null when it does not exist.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> GetConfigMapDataAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/namespaces/{@namespace}/configmaps/{name}");
        Authorize(request);
        using var response = await SendAsync(request, cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, request, cancellationToken);
        var configMap = await response.Content.ReadFromJsonAsync(KubernetesApiJsonContext.Default.ConfigMap, cancellationToken);
        return configMap?.Data ?? new Dictionary<string, string>();
    }

    public void Dispose() => _http.Dispose();

    private async Task<T> PostAsync<T>(string path, T body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, typeInfo) };
        Authorize(request);
        using var response = await SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, request, cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync(typeInfo, cancellationToken)
                ?? throw new KubernetesApiException($"{path} answered an empty body");
        }
        catch (System.Text.Json.JsonException exception)
        {
            throw new KubernetesApiException($"{path} answered a body that is not a {typeof(T).Name}", exception);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new KubernetesApiException($"cannot reach kube-apiserver at {_config.Server}: {exception.Message}", exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KubernetesApiException($"kube-apiserver at {_config.Server} did not answer {request.RequestUri} in time", exception);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new KubernetesApiException(
            $"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}: {(body.Length > 300 ? body[..300] : body)}");
    }

    private void Authorize(HttpRequestMessage request)
    {
        var token = _config.BearerToken ?? ReadTokenFile();
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    private string? ReadTokenFile()
    {
        if (_config.BearerTokenFile is null)
        {
            return null;
        }

        lock (_tokenGate)
        {
            var now = _timeProvider.GetUtcNow();
            if (_fileToken is not { } cached || now - cached.ReadAt > TokenFileRefresh)
            {
                _fileToken = (File.ReadAllText(_config.BearerTokenFile).Trim(), now);
            }

            return _fileToken.Value.Token;
        }
    }

    private static SocketsHttpHandler CreateHandler(KubernetesClientConfig config, TimeProvider timeProvider)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            SslOptions = new SslClientAuthenticationOptions(),
        };
        if (config.ClientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [config.ClientCertificate];
        }

        if (config.InsecureSkipTlsVerify)
        {
#pragma warning disable CA5359 // Only when the kubeconfig says insecure-skip-tls-verify: true, as kubectl does.
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (config.CertificateAuthority is { Count: > 0 } authority)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    return false;
                }

                using var leaf = new X509Certificate2(certificate);
                return CertificateValidation.Verify(leaf, authority, CertificateValidation.ServerAuthUsage, timeProvider.GetUtcNow(), out _);
            };
        }

        return handler;
    }
}
