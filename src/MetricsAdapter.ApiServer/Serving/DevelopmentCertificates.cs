using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MetricsAdapter.ApiServer.Serving;

/// <summary>What to issue: a CA, a serving certificate for some names, and optionally a client certificate.</summary>
/// <param name="OutputDirectory">Where the PEM files go.</param>
/// <param name="DnsNames">DNS names of the serving certificate (e.g. <c>localhost</c>, <c>metrics-adapter.metrics-adapter.svc</c>).</param>
/// <param name="IpAddresses">IP addresses of the serving certificate.</param>
/// <param name="ClientCommonName">User name of the client certificate; none when null.</param>
/// <param name="ClientOrganizations">Groups of the client certificate (e.g. <c>system:masters</c>).</param>
public sealed record CertificateRequestSet(
    string OutputDirectory,
    IReadOnlyList<string> DnsNames,
    IReadOnlyList<IPAddress> IpAddresses,
    string? ClientCommonName,
    IReadOnlyList<string> ClientOrganizations);

/// <summary>The files one issue wrote or kept.</summary>
public sealed record IssuedCertificates(string CaCertFile, string ServingCertFile, string ServingKeyFile, string? ClientCertFile, string? ClientKeyFile, bool Reused);

/// <summary>
/// A small certificate authority for development and for clusters without cert-manager: an ECDSA P-256 CA, a
/// serving certificate (ServerAuth) and a client certificate (ClientAuth, groups in O), written as PEM files.
/// Re-running keeps existing files while they are valid for 30 more days and cover the requested names.
/// </summary>
public static class DevelopmentCertificates
{
    public const string CaCertName = "ca.crt";
    public const string CaKeyName = "ca.key";
    public const string ServingCertName = "serving.crt";
    public const string ServingKeyName = "serving.key";
    public const string ClientCertName = "client.crt";
    public const string ClientKeyName = "client.key";

    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    /// <summary>Issues (or keeps) the set; the private keys are written owner-readable only.</summary>
    public static IssuedCertificates Issue(CertificateRequestSet request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        Directory.CreateDirectory(request.OutputDirectory);
        string Path(string name) => System.IO.Path.Combine(request.OutputDirectory, name);
        var issued = new IssuedCertificates(
            Path(CaCertName),
            Path(ServingCertName),
            Path(ServingKeyName),
            request.ClientCommonName is null ? null : Path(ClientCertName),
            request.ClientCommonName is null ? null : Path(ClientKeyName),
            Reused: true);

        if (IsReusable(request, issued, now))
        {
            return issued;
        }

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=metrics-adapter-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));

        using var servingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dns in request.DnsNames)
        {
            names.AddDnsName(dns);
        }

        foreach (var ip in request.IpAddresses)
        {
            names.AddIpAddress(ip);
        }

        var servingName = request.DnsNames.Count > 0 ? request.DnsNames[0]
            : request.IpAddresses.Count > 0 ? request.IpAddresses[0].ToString()
            : "metrics-adapter";
        using var serving = IssueLeaf(ca, caKey, servingKey, $"CN={servingName}", CertificateValidation.ServerAuthUsage, names.Build(), now);
        WritePem(issued.CaCertFile, ca.ExportCertificatePem(), secret: false);
        WritePem(Path(CaKeyName), caKey.ExportPkcs8PrivateKeyPem(), secret: true);
        WritePem(issued.ServingCertFile, serving.ExportCertificatePem(), secret: false);
        WritePem(issued.ServingKeyFile, servingKey.ExportPkcs8PrivateKeyPem(), secret: true);

        if (request.ClientCommonName is not null)
        {
            WriteClient(ca, caKey, request.ClientCommonName, request.ClientOrganizations, issued.ClientCertFile!, issued.ClientKeyFile!, now);
        }

        return issued with { Reused = false };
    }

    /// <summary>
    /// Issues one more client certificate from the CA already in <paramref name="caDirectory"/> (its ca.crt and
    /// ca.key), into <paramref name="outputDirectory"/> as client.crt and client.key.
    /// </summary>
    public static IssuedCertificates IssueClient(string caDirectory, string outputDirectory, string commonName, IReadOnlyList<string> groups, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var caCertFile = System.IO.Path.Combine(caDirectory, CaCertName);
        using var ca = X509Certificate2.CreateFromPemFile(caCertFile, System.IO.Path.Combine(caDirectory, CaKeyName));
        using var caKey = ca.GetECDsaPrivateKey() ?? throw new InvalidDataException($"{caDirectory} does not hold an ECDSA CA key");
        Directory.CreateDirectory(outputDirectory);
        var certFile = System.IO.Path.Combine(outputDirectory, ClientCertName);
        var keyFile = System.IO.Path.Combine(outputDirectory, ClientKeyName);
        WriteClient(ca, caKey, commonName, groups, certFile, keyFile, now);
        return new IssuedCertificates(caCertFile, string.Empty, string.Empty, certFile, keyFile, Reused: false);
    }

    /// <summary>A kubeconfig that reaches <paramref name="server"/>, trusts the CA and authenticates with the client certificate.</summary>
    public static string Kubeconfig(Uri server, IssuedCertificates issued, string contextName = "metrics-adapter-dev")
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(issued);
        static string Base64(string file) => Convert.ToBase64String(File.ReadAllBytes(file));
        var text = new StringBuilder()
            .Append("apiVersion: v1\nkind: Config\n")
            .Append("clusters:\n- name: ").Append(contextName).Append('\n')
            .Append("  cluster:\n    server: ").Append(server.ToString().TrimEnd('/')).Append('\n')
            .Append("    certificate-authority-data: ").Append(Base64(issued.CaCertFile)).Append('\n')
            .Append("users:\n- name: ").Append(contextName).Append("-admin\n  user:");
        if (issued.ClientCertFile is not null)
        {
            text.Append("\n    client-certificate-data: ").Append(Base64(issued.ClientCertFile))
                .Append("\n    client-key-data: ").Append(Base64(issued.ClientKeyFile!)).Append('\n');
        }
        else
        {
            text.Append(" {}\n");
        }

        return text
            .Append("contexts:\n- name: ").Append(contextName).Append('\n')
            .Append("  context:\n    cluster: ").Append(contextName).Append("\n    user: ").Append(contextName).Append("-admin\n")
            .Append("current-context: ").Append(contextName).Append('\n')
            .ToString();
    }

    /// <summary>An in-memory self-signed serving certificate for localhost, when no files are configured.</summary>
    public static X509Certificate2 CreateSelfSignedServing(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(CertificateValidation.ServerAuthUsage)], false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
    }

    private static X509Certificate2 IssueLeaf(
        X509Certificate2 ca,
        ECDsa caKey,
        ECDsa key,
        string subject,
        string usage,
        X509Extension? subjectAlternativeNames,
        DateTimeOffset now)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (subjectAlternativeNames is not null)
        {
            request.CertificateExtensions.Add(subjectAlternativeNames);
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var generator = X509SignatureGenerator.CreateForECDsa(caKey);
        var notAfter = now.AddYears(1) < ca.NotAfter ? now.AddYears(1) : new DateTimeOffset(ca.NotAfter.ToUniversalTime());
        return request.Create(ca.SubjectName, generator, now.AddMinutes(-5), notAfter, serial);
    }

    private static bool IsReusable(CertificateRequestSet request, IssuedCertificates files, DateTimeOffset now)
    {
        var required = new[] { files.CaCertFile, files.ServingCertFile, files.ServingKeyFile, files.ClientCertFile, files.ClientKeyFile };
        if (required.Any(file => file is not null && !File.Exists(file)))
        {
            return false;
        }

        try
        {
            var roots = CertificateValidation.LoadBundle(files.CaCertFile);
            using var serving = X509Certificate2.CreateFromPemFile(files.ServingCertFile, files.ServingKeyFile);
            var renewBy = now + RenewBefore;
            if (!CertificateValidation.Verify(serving, roots, CertificateValidation.ServerAuthUsage, renewBy, out _))
            {
                return false;
            }

            if (files.ClientCertFile is not null)
            {
                using var client = X509Certificate2.CreateFromPemFile(files.ClientCertFile, files.ClientKeyFile);
                if (!CertificateValidation.Verify(client, roots, CertificateValidation.ClientAuthUsage, renewBy, out _)
                    || !string.Equals(client.GetNameInfo(X509NameType.SimpleName, false), request.ClientCommonName, StringComparison.Ordinal))
                {
                    return false;
                }
            }

            var san = serving.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
            var dns = san?.EnumerateDnsNames().ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
            var ips = san?.EnumerateIPAddresses().ToHashSet() ?? [];
            return request.DnsNames.All(dns.Contains) && request.IpAddresses.All(ips.Contains);
        }
        catch (Exception exception) when (exception is CryptographicException or InvalidDataException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Issues a client certificate (organizations are Kubernetes groups) from the CA and writes it with its key.</summary>
    private static void WriteClient(
        X509Certificate2 ca, ECDsa caKey, string commonName, IReadOnlyList<string> organizations, string certFile, string keyFile, DateTimeOffset now)
    {
        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        foreach (var organization in organizations)
        {
            subject.AddOrganizationName(organization);
        }

        subject.AddCommonName(commonName);
        using var client = IssueLeaf(ca, caKey, clientKey, subject.Build().Name, CertificateValidation.ClientAuthUsage, null, now);
        WritePem(certFile, client.ExportCertificatePem(), secret: false);
        WritePem(keyFile, clientKey.ExportPkcs8PrivateKeyPem(), secret: true);
    }

    private static void WritePem(string path, string pem, bool secret)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, pem);
        if (secret && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
