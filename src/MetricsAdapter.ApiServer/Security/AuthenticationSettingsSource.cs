using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MetricsAdapter.ApiServer.Json;
using MetricsAdapter.ApiServer.Serving;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>
/// The settings in force: the flags (<c>--client-ca-file</c>, <c>--requestheader-*</c>), whose CA files are re-read
/// when they change on disk, merged over <c>kube-system/extension-apiserver-authentication</c>, which kube-apiserver
/// keeps current and <see cref="AuthenticationConfigMapWatcher"/> follows. Flags win; the ConfigMap fills what they
/// leave empty. A file or ConfigMap that fails to read is logged and the previous settings stay.
/// </summary>
public sealed partial class AuthenticationSettingsSource : IAuthenticationSettingsSource, IDisposable
{
    public const string ConfigMapNamespace = "kube-system";
    public const string ConfigMapName = "extension-apiserver-authentication";

    private readonly SecurityOptions _options;
    private readonly ILogger<AuthenticationSettingsSource> _logger;
    private readonly Lock _gate = new();
    private readonly Lock _publishGate = new();
    private bool _disposed;
    private AuthenticationSettings _flags;
    private IReadOnlyDictionary<string, string>? _configMap;
    private (string? ClientCa, string? RequestHeaderCa) _fileDigests;
    private volatile AuthenticationSettings _current;
    private CancellationTokenSource _changed = new();
    private long _generation;

    /// <exception cref="InvalidDataException">A CA file named by a flag holds no certificate.</exception>
    public AuthenticationSettingsSource(SecurityOptions options, bool followsConfigMap, ILogger<AuthenticationSettingsSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger;
        FollowsConfigMap = followsConfigMap;
        _fileDigests = FileDigests();
        _flags = ReadFlags();
        _current = _flags;
    }

    public AuthenticationSettings Current => _current;

    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Whether the ConfigMap is part of the settings (a cluster is reachable and lookup is not skipped).</summary>
    public bool FollowsConfigMap { get; }

    /// <summary>Whether the ConfigMap has been read at least once (readiness waits for it when followed).</summary>
    public bool ConfigMapLoaded { get; private set; }

    public IChangeToken GetChangeToken()
    {
        lock (_gate)
        {
            return _disposed ? NullChangeToken.Singleton : new CancellationChangeToken(_changed.Token);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _changed.Dispose();
        }
    }

    /// <summary>Re-reads the flags' CA files if either's content changed (links followed); true when the settings changed.</summary>
    public bool ReloadFilesIfChanged()
    {
        try
        {
            var digests = FileDigests();
            if (digests == _fileDigests)
            {
                return false;
            }

            var flags = ReadFlags();
            lock (_gate)
            {
                (_flags, _fileDigests) = (flags, digests);
            }

            LogCaFilesReloaded(_logger, flags.ClientCa.Count, flags.RequestHeaderCa.Count);
            Publish();
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidDataException or System.Security.Cryptography.CryptographicException)
        {
            // A half-written file during rotation: try again at the next check, keep serving the previous CAs.
            LogCaFilesFailed(_logger, exception.Message);
            return false;
        }
    }

    /// <summary>Applies the ConfigMap's data as kube-apiserver last wrote it.</summary>
    /// <exception cref="JsonException">A list key is not a JSON array of strings; nothing changed.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">A CA key is not PEM; nothing changed.</exception>
    public void ApplyConfigMap(IReadOnlyDictionary<string, string> data)
    {
        ArgumentNullException.ThrowIfNull(data);

        // Merged first: data that does not parse throws here and changes nothing.
        var merged = Merge(_flags, data);
        lock (_gate)
        {
            _configMap = data;
        }

        if (!ConfigMapLoaded)
        {
            LogLoaded(_logger, merged.ClientCa.Count, merged.RequestHeaderCa.Count, merged.RequestHeaderAllowedNames);
        }

        ConfigMapLoaded = true;
        Publish();
    }

    /// <summary>Flags win; the ConfigMap fills what they leave empty.</summary>
    /// <exception cref="JsonException">A list key is not a JSON array of strings.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">A CA key is not PEM.</exception>
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

    /// <summary>
    /// Makes the merged settings current, then signals the change (the certificate schemes rebuild their options), and
    /// only then moves the generation: a request that reads the new generation validates under the new options, so
    /// nothing validated under the old CAs is ever cached as current.
    /// </summary>
    private void Publish()
    {
        lock (_publishGate)
        {
            CancellationTokenSource changed;
            lock (_gate)
            {
                _current = _configMap is null ? _flags : Merge(_flags, _configMap);
                changed = _changed;
                _changed = new CancellationTokenSource();
            }

            changed.Cancel();
            changed.Dispose();
            Interlocked.Increment(ref _generation);
        }
    }

    private AuthenticationSettings ReadFlags() => new()
    {
        ClientCa = _options.ClientCaFile is { Length: > 0 } clientCa ? CertificateValidation.LoadBundle(clientCa) : [],
        RequestHeaderCa = _options.RequestHeaderClientCaFile is { Length: > 0 } proxyCa ? CertificateValidation.LoadBundle(proxyCa) : [],
        RequestHeaderAllowedNames = _options.RequestHeaderAllowedNames,
    };

    private (string?, string?) FileDigests() => (FileContent.Digest(_options.ClientCaFile), FileContent.Digest(_options.RequestHeaderClientCaFile));

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
            ? JsonSerializer.Deserialize(json, ApiMachineryJsonContext.Default.StringArray) is { Length: > 0 } values ? values : null
            : null;

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information,
        Message = "Authentication settings read from kube-system/extension-apiserver-authentication: {ClientCas} client CA(s), {ProxyCas} front-proxy CA(s), allowed names [{AllowedNames}]")]
    private static partial void LogLoaded(ILogger logger, int clientCas, int proxyCas, IReadOnlyList<string> allowedNames);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "CA files reloaded: {ClientCas} client CA(s), {ProxyCas} front-proxy CA(s)")]
    private static partial void LogCaFilesReloaded(ILogger logger, int clientCas, int proxyCas);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Could not reload the CA files: {Reason}; keeping the current ones")]
    private static partial void LogCaFilesFailed(ILogger logger, string reason);
}
