using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Http;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>
/// The certificate handler's results, kept so a certificate's chain is built once, not on every request of its
/// connection. Keyed by scheme, the certificate's SHA-256 and the settings' generation: a rotated CA makes every
/// earlier result stale at once (ASP.NET's own cache keeps them for minutes). A success lasts until the certificate
/// expires or 5 minutes pass, a failure 10 seconds; bounded, cleared when full.
/// </summary>
public sealed class CertificateValidationResultCache(TimeProvider timeProvider) : ICertificateValidationCache
{
    private const int Capacity = 4096;
    private static readonly TimeSpan SuccessFor = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan FailureFor = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<(string Scheme, string Certificate, long Generation), (AuthenticateResult Result, DateTimeOffset Expires)> _results = new();

    private long _hits;

    /// <summary>Results held.</summary>
    public int Count => _results.Count;

    /// <summary>Answers given from the cache.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    public AuthenticateResult? Get(HttpContext context, X509Certificate2 certificate)
    {
        if (Key(context, certificate) is not { } key || !_results.TryGetValue(key, out var entry) || entry.Expires <= timeProvider.GetUtcNow())
        {
            return null;
        }

        Interlocked.Increment(ref _hits);
        return entry.Result.Clone();
    }

    public void Put(HttpContext context, X509Certificate2 certificate, AuthenticateResult result)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(result);
        if (Key(context, certificate) is not { } key)
        {
            return;
        }

        if (_results.Count >= Capacity)
        {
            _results.Clear();
        }

        var now = timeProvider.GetUtcNow();
        var expires = result.Succeeded ? Min(now + SuccessFor, new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero)) : now + FailureFor;
        _results[key] = (result.Clone(), expires);
    }

    /// <summary>
    /// Only runs the pipeline started are cached: without the scheme in hand, a result could serve the other scheme.
    /// The generation is the one the pipeline read before the scheme took its options, never a later one.
    /// </summary>
    private static (string, string, long)? Key(HttpContext context, X509Certificate2 certificate) =>
        context.Items.TryGetValue(CertificateSchemes.SchemeItem, out var scheme) && scheme is string name
        && context.Items.TryGetValue(CertificateSchemes.GenerationItem, out var recorded) && recorded is long generation
            ? (name, Convert.ToHexString(SHA256.HashData(certificate.RawData)), generation)
            : null;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
