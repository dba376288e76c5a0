using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MetricsAdapter.ApiServer.Kubernetes;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>
/// Authentication settings from <c>kube-system/extension-apiserver-authentication</c>, which kube-apiserver keeps
/// current (client CA, front-proxy CA, allowed names, header names), with flags taking precedence. Re-read every
/// minute so CA rotation needs no restart; until the first read succeeds the flags alone apply and readiness fails.
/// </summary>
public sealed partial class ClusterAuthenticationSettingsSource : IAuthenticationSettingsSource
{
    public const string ConfigMapNamespace = "kube-system";
    public const string ConfigMapName = "extension-apiserver-authentication";

    private readonly KubernetesApiClient _client;
    private readonly AuthenticationSettings _flags;
    private readonly ILogger<ClusterAuthenticationSettingsSource> _logger;
    private volatile AuthenticationSettings _current;
    private volatile bool _loaded;

    public ClusterAuthenticationSettingsSource(KubernetesApiClient client, AuthenticationSettings flags, ILogger<ClusterAuthenticationSettingsSource> logger)
    {
        _client = client;
        _flags = flags;
        _logger = logger;
        _current = flags;
    }

    public AuthenticationSettings Current => _current;

    /// <summary>Whether the ConfigMap has been read at least once.</summary>
    public bool Loaded => _loaded;

    /// <summary>Reads the ConfigMap once; failures are logged and leave the previous settings in place.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var data = await _client.GetConfigMapDataAsync(ConfigMapNamespace, ConfigMapName, cancellationToken)
                ?? throw new KubernetesApiException($"ConfigMap {ConfigMapNamespace}/{ConfigMapName} does not exist");
            _current = Merge(_flags, data);
            if (!_loaded)
            {
                LogLoaded(_logger, _current.ClientCa.Count, _current.RequestHeaderCa.Count, _current.RequestHeaderAllowedNames);
            }

            _loaded = true;
            return true;
        }
        catch (Exception exception) when (exception is KubernetesApiException or JsonException or System.Security.Cryptography.CryptographicException or FormatException)
        {
            LogFailed(_logger, ConfigMapNamespace, ConfigMapName, exception.Message);
            return false;
        }
    }

    /// <summary>Flags win; the ConfigMap fills what they leave empty.</summary>
    public static AuthenticationSettings Merge(AuthenticationSettings flags, IReadOnlyDictionary<string, string> data)
    {
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(data);
        return flags with
        {
            ClientCa = flags.ClientCa.Count > 0 ? flags.ClientCa : Bundle(data, "client-ca-file"),
            RequestHeaderCa = flags.RequestHeaderCa.Count > 0 ? flags.RequestHeaderCa : Bundle(data, "requestheader-client-ca-file"),
            RequestHeaderAllowedNames = flags.RequestHeaderAllowedNames.Count > 0 ? flags.RequestHeaderAllowedNames : List(data, "requestheader-allowed-names") ?? [],
            UsernameHeaders = List(data, "requestheader-username-headers") ?? flags.UsernameHeaders,
            GroupHeaders = List(data, "requestheader-group-headers") ?? flags.GroupHeaders,
            ExtraHeaderPrefixes = List(data, "requestheader-extra-headers-prefix") ?? flags.ExtraHeaderPrefixes,
            UidHeaders = List(data, "requestheader-uid-headers") ?? flags.UidHeaders,
        };
    }

    private static X509Certificate2Collection Bundle(IReadOnlyDictionary<string, string> data, string key)
    {
        var bundle = new X509Certificate2Collection();
        if (data.TryGetValue(key, out var pem) && !string.IsNullOrWhiteSpace(pem))
        {
            bundle.ImportFromPem(pem);
        }

        return bundle;
    }

    /// <summary>These keys hold JSON string arrays stored as strings.</summary>
    private static string[]? List(IReadOnlyDictionary<string, string> data, string key) =>
        data.TryGetValue(key, out var json) && !string.IsNullOrWhiteSpace(json)
            ? JsonSerializer.Deserialize(json, KubernetesApiJsonContext.Default.StringArray) is { Length: > 0 } values ? values : null
            : null;

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information,
        Message = "Authentication settings read from kube-system/extension-apiserver-authentication: {ClientCas} client CA(s), {ProxyCas} front-proxy CA(s), allowed names [{AllowedNames}]")]
    private static partial void LogLoaded(ILogger logger, int clientCas, int proxyCas, IReadOnlyList<string> allowedNames);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Could not read {Namespace}/{Name}: {Reason}; keeping the current authentication settings")]
    private static partial void LogFailed(ILogger logger, string @namespace, string name, string reason);
}
