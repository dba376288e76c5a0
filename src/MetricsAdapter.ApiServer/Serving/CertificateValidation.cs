using System.Security.Cryptography.X509Certificates;

namespace MetricsAdapter.ApiServer.Serving;

/// <summary>Chain verification against our own trust anchors (a client CA, the front-proxy CA), not the system store.</summary>
public static class CertificateValidation
{
    public const string ClientAuthUsage = "1.3.6.1.5.5.7.3.2";
    public const string ServerAuthUsage = "1.3.6.1.5.5.7.3.1";

    /// <summary>
    /// Whether <paramref name="leaf"/> chains to one of <paramref name="roots"/> at <paramref name="now"/> and, when
    /// <paramref name="requiredUsage"/> is set, carries that extended key usage. Revocation is not checked: Kubernetes
    /// client certificates carry no CRL or OCSP endpoints.
    /// </summary>
    public static bool Verify(
        X509Certificate2 leaf,
        X509Certificate2Collection roots,
        string? requiredUsage,
        DateTimeOffset now,
        out string? error)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(roots);
        if (roots.Count == 0)
        {
            error = "no trusted certificate authority is configured";
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (requiredUsage is not null)
        {
            chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(requiredUsage));
        }

        if (chain.Build(leaf))
        {
            error = null;
            return true;
        }

        error = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal));
        if (error.Length == 0)
        {
            error = "the certificate does not chain to a trusted authority";
        }

        return false;
    }

    /// <summary>Reads every certificate of a PEM bundle (a CA file may hold several).</summary>
    public static X509Certificate2Collection LoadBundle(string pemFile)
    {
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(pemFile);
        if (bundle.Count == 0)
        {
            throw new InvalidDataException($"{pemFile} holds no PEM certificate");
        }

        return bundle;
    }
}
