using System.Net;
using System.Security.Cryptography.X509Certificates;
using MetricsAdapter.ApiServer.Serving;

namespace MetricsAdapter.ApiServer.Tests.Serving;

public sealed class DevelopmentCertificatesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("certs-").FullName;
    private readonly DateTimeOffset _now = TimeProvider.System.GetUtcNow();

    public void Dispose() => Directory.Delete(_directory, true);

    private CertificateRequestSet Request(params string[] dns) =>
        new(_directory, dns.Length == 0 ? ["localhost"] : dns, [IPAddress.Loopback], "dev-admin", ["system:masters"]);

    [Fact]
    public void Issue_ServingAndClient_ChainToTheCaWithTheirUsages()
    {
        var issued = DevelopmentCertificates.Issue(Request("localhost", "metrics-adapter.metrics-adapter.svc"), _now);
        var roots = CertificateValidation.LoadBundle(issued.CaCertFile);
        using var serving = X509Certificate2.CreateFromPemFile(issued.ServingCertFile, issued.ServingKeyFile);
        using var client = X509Certificate2.CreateFromPemFile(issued.ClientCertFile!, issued.ClientKeyFile);

        Assert.True(CertificateValidation.Verify(serving, roots, CertificateValidation.ServerAuthUsage, _now, out _));
        Assert.False(CertificateValidation.Verify(serving, roots, CertificateValidation.ClientAuthUsage, _now, out _));
        Assert.True(CertificateValidation.Verify(client, roots, CertificateValidation.ClientAuthUsage, _now, out _));
        Assert.Contains("metrics-adapter.metrics-adapter.svc", serving.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(issued.ServingKeyFile));
        }
    }

    [Fact]
    public void Issue_Again_KeepsValidFiles_ButReissuesForNewNamesOrNearExpiry()
    {
        var first = DevelopmentCertificates.Issue(Request(), _now);
        var again = DevelopmentCertificates.Issue(Request(), _now.AddDays(1));
        var newName = DevelopmentCertificates.Issue(Request("localhost", "other.example"), _now.AddDays(1));
        var nearExpiry = DevelopmentCertificates.Issue(Request("localhost", "other.example"), _now.AddDays(350));

        Assert.False(first.Reused);
        Assert.True(again.Reused);
        Assert.False(newName.Reused);
        Assert.False(nearExpiry.Reused);
    }

    [Fact]
    public void Verify_ExpiredOrForeign_FailsWithAReason()
    {
        var issued = DevelopmentCertificates.Issue(Request(), _now);
        using var other = new TempDirectory(Directory.CreateTempSubdirectory("other-ca-").FullName);
        var foreign = DevelopmentCertificates.Issue(Request() with { OutputDirectory = other.Path }, _now);
        using var client = X509Certificate2.CreateFromPemFile(issued.ClientCertFile!, issued.ClientKeyFile);

        Assert.False(CertificateValidation.Verify(client, CertificateValidation.LoadBundle(issued.CaCertFile), null, _now.AddYears(2), out var expired));
        Assert.False(CertificateValidation.Verify(client, CertificateValidation.LoadBundle(foreign.CaCertFile), null, _now, out var untrusted));
        Assert.False(string.IsNullOrEmpty(expired));
        Assert.False(string.IsNullOrEmpty(untrusted));
    }

    private sealed class TempDirectory(string path) : IDisposable
    {
        public string Path { get; } = path;

        public void Dispose() => Directory.Delete(Path, true);
    }
}
