using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.ApiServer.Serving;

/// <summary>
/// The serving certificate, reloaded when its files' content changes so rotation needs no restart. A replacement that fails
/// to load is logged and the previous certificate stays in service.
/// </summary>
public sealed partial class ServingCertificateSource : IDisposable
{
    private readonly ServingOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ServingCertificateSource> _logger;
    private readonly Lock _gate = new();
    private X509Certificate2 _current;
    private X509Certificate2Collection _chain;
    private SslStreamCertificateContext _context;
    private (string? Cert, string? Key) _loadedDigests;
    private DateTimeOffset _nextCheck;

    public ServingCertificateSource(IOptions<ServingOptions> options, TimeProvider timeProvider, ILogger<ServingCertificateSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        if (string.IsNullOrEmpty(_options.TlsCertFile) != string.IsNullOrEmpty(_options.TlsKeyFile))
        {
            throw new OptionsValidationException(nameof(ServingOptions), typeof(ServingOptions),
                ["--tls-cert-file and --tls-key-file go together: give both or neither"]);
        }

        if (string.IsNullOrEmpty(_options.TlsCertFile))
        {
            (_current, _chain) = (DevelopmentCertificates.CreateSelfSignedServing(timeProvider.GetUtcNow()), []);
            _context = SslStreamCertificateContext.Create(_current, _chain, offline: true);
            LogSelfSigned(_logger, _current.Thumbprint);
        }
        else
        {
            (_current, _chain) = Load(_options.TlsCertFile, _options.TlsKeyFile!);
            _context = SslStreamCertificateContext.Create(_current, _chain, offline: true);
            _loadedDigests = Digests();
            LogLoaded(_logger, _options.TlsCertFile, _current.Subject, _current.NotAfter);
        }

        _nextCheck = timeProvider.GetUtcNow() + _options.ReloadCheckInterval;
    }

    /// <summary>The certificate to present now; checks the files at most once per reload interval.</summary>
    public X509Certificate2 Current
    {
        get
        {
            CheckForReload();
            return _current;
        }
    }

    /// <summary>
    /// The certificate with the intermediates of <c>--tls-cert-file</c>, for the TLS handshake: clients that trust only
    /// the root must be sent the chain. Built once per load, not per connection.
    /// </summary>
    public SslStreamCertificateContext CurrentContext
    {
        get
        {
            CheckForReload();
            return _context;
        }
    }

    private void CheckForReload()
    {
        if (!string.IsNullOrEmpty(_options.TlsCertFile) && _timeProvider.GetUtcNow() >= _nextCheck)
        {
            ReloadIfChanged();
        }
    }

    /// <summary>Intermediates to send after <see cref="Current"/>.</summary>
    public X509Certificate2Collection Chain => _chain;

    public void Dispose() => _current.Dispose();

    /// <summary>Loads a PEM pair; the certificate file may carry intermediates after the leaf.</summary>
    public static (X509Certificate2 Leaf, X509Certificate2Collection Chain) Load(string certFile, string keyFile)
    {
        var leaf = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certFile);
        var chain = new X509Certificate2Collection();
        foreach (var certificate in all)
        {
            if (!string.Equals(certificate.Thumbprint, leaf.Thumbprint, StringComparison.Ordinal))
            {
                chain.Add(certificate);
            }
        }

        return (leaf, chain);
    }

    private void ReloadIfChanged()
    {
        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            if (now < _nextCheck)
            {
                return;
            }

            _nextCheck = now + _options.ReloadCheckInterval;
            try
            {
                var digests = Digests();
                if (digests == _loadedDigests)
                {
                    return;
                }

                var (leaf, chain) = Load(_options.TlsCertFile!, _options.TlsKeyFile!);
                var context = SslStreamCertificateContext.Create(leaf, chain, offline: true);
                (_current, _chain, _context, _loadedDigests) = (leaf, chain, context, digests);
                LogLoaded(_logger, _options.TlsCertFile!, leaf.Subject, leaf.NotAfter);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                LogReloadFailed(_logger, _options.TlsCertFile!, exception);
            }
        }
    }

    /// <summary>By content, not time: a rotated Secret volume swaps a symlink and leaves the files' own times alone.</summary>
    private (string? Cert, string? Key) Digests() => (FileContent.Digest(_options.TlsCertFile), FileContent.Digest(_options.TlsKeyFile));

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Serving certificate loaded from {File}: {Subject}, valid until {NotAfter:O}")]
    private static partial void LogLoaded(ILogger logger, string file, string subject, DateTime notAfter);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "No --tls-cert-file given: serving a self-signed certificate for localhost ({Thumbprint}); clients must skip verification")]
    private static partial void LogSelfSigned(ILogger logger, string thumbprint);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "Could not reload the serving certificate from {File}; still serving the previous one")]
    private static partial void LogReloadFailed(ILogger logger, string file, Exception exception);
}
