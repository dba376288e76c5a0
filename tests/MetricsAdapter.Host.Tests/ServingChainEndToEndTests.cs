using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MetricsAdapter.ApiServer.Serving;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Host.Tests;

/// <summary>
/// The serving certificate as cert-manager or a Secret update delivers it: replaced on disk while serving, and
/// issued by an intermediate whose certificate follows the leaf in <c>--tls-cert-file</c>. A client that trusts only
/// the root (checked with <c>openssl s_client</c>, a real TLS peer) must be sent the intermediate.
/// </summary>
public sealed class ServingChainEndToEndTests
{
    [Fact]
    public async Task RotatedServingCertificate_WithAnIntermediate_IsServedWithItsChain_WithoutARestart()
    {
        using var work = new TemporaryDirectory();
        var config = Path.Combine(work.Path, "config.json");
        await File.WriteAllTextAsync(config, """{"Serving":{"ReloadCheckInterval":"00:00:01"}}""");
        await using var adapter = await AdapterProcess.StartAsync("--config", config);
        var pid = adapter.ProcessId;

        var (rootPem, chainPem, keyPem) = TwoLevelChain(TimeProvider.System.GetUtcNow());
        var root = Path.Combine(work.Path, "root.crt");
        await File.WriteAllTextAsync(root, rootPem);
        await File.WriteAllTextAsync(Path.Combine(adapter.Directory, DevelopmentCertificates.ServingKeyName), keyPem);
        await File.WriteAllTextAsync(Path.Combine(adapter.Directory, DevelopmentCertificates.ServingCertName), chainPem);

        string output = string.Empty;
        await Eventually.WaitAsync(async () =>
        {
            (_, output) = await ProcessRunner.RunAsync("openssl",
                ["s_client", "-connect", $"127.0.0.1:{adapter.Port}", "-servername", "localhost", "-showcerts", "-CAfile", root, "-verify_return_error"],
                TimeSpan.FromSeconds(20), string.Empty);
            return output.Contains("CN = e2e-intermediate", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), "the rotated certificate to be served");

        Assert.Contains(" 0 s:CN = localhost", output, StringComparison.Ordinal);
        Assert.Contains(" 1 s:CN = e2e-intermediate", output, StringComparison.Ordinal);
        Assert.Contains("Verify return code: 0 (ok)", output, StringComparison.Ordinal);
        Assert.Equal(pid, adapter.ProcessId);
        Assert.False(adapter.HasExited);
    }

    /// <summary>Root → intermediate → leaf for localhost/127.0.0.1: the root's PEM, the leaf and intermediate PEMs (in that order), the leaf's key.</summary>
    private static (string Root, string Chain, string Key) TwoLevelChain(DateTimeOffset now)
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=e2e-root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        using var rootCertificate = rootRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));

        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = new CertificateRequest("CN=e2e-intermediate", intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        intermediateRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(intermediateRequest.PublicKey, false));
        intermediateRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(rootCertificate, true, false));
        using var intermediateCertificate = intermediateRequest.Create(rootCertificate, now.AddMinutes(-5), now.AddDays(20), [1, 2, 3, 4]);
        using var intermediate = intermediateCertificate.CopyWithPrivateKey(intermediateKey);

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=localhost", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        leafRequest.CertificateExtensions.Add(names.Build());
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(intermediate, true, false));
        using var leaf = leafRequest.Create(intermediate, now.AddMinutes(-5), now.AddDays(10), [5, 6, 7, 8]);

        return (rootCertificate.ExportCertificatePem(), leaf.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem() + "\n", leafKey.ExportPkcs8PrivateKeyPem());
    }
}
