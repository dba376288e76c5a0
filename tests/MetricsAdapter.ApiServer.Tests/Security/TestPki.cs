using System.Net;
using System.Security.Cryptography.X509Certificates;
using MetricsAdapter.ApiServer.Serving;

namespace MetricsAdapter.ApiServer.Tests.Security;

/// <summary>Independent authorities, as a cluster has them: the client CA, the front-proxy CA, and a stranger's CA.</summary>
internal sealed class TestPki : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("metrics-adapter-pki-").FullName;

    public TestPki()
    {
        var now = TimeProvider.System.GetUtcNow().AddSeconds(-1);
        Admin = Issue("client-ca", "dev-admin", ["system:masters"], now);
        Viewer = IssueFrom("client-ca", "viewer", "viewer", ["team-b"], now);
        FrontProxy = Issue("front-proxy-ca", "front-proxy-client", [], now);
        OtherProxyName = IssueFrom("front-proxy-ca", "other-proxy", "someone-else", [], now);
        Stranger = Issue("stranger-ca", "dev-admin", ["system:masters"], now);
        Expired = IssueFrom("client-ca", "expired", "dev-admin", ["system:masters"], now.AddYears(-2));
        NotYetValid = IssueFrom("client-ca", "not-yet-valid", "dev-admin", ["system:masters"], now.AddDays(1));
        ExpiredProxy = IssueFrom("front-proxy-ca", "expired-proxy", "front-proxy-client", [], now.AddYears(-2));
        var clientCa = Path.Combine(_root, "client-ca");
        ServerAuthOnly = new Identity(Admin.CaFile, X509Certificate2.CreateFromPemFile(Path.Combine(clientCa, "serving.crt"), Path.Combine(clientCa, "serving.key")));
    }

    /// <summary>Client CA, dev-admin in system:masters, but expired a year ago.</summary>
    public Identity Expired { get; }

    /// <summary>Client CA, dev-admin in system:masters, valid only from tomorrow.</summary>
    public Identity NotYetValid { get; }

    /// <summary>Front-proxy CA, the allowed CN, but expired.</summary>
    public Identity ExpiredProxy { get; }

    /// <summary>Signed by the client CA for serving only (extended key usage serverAuth): not a client certificate.</summary>
    public Identity ServerAuthOnly { get; }

    /// <summary>Client CA, user dev-admin in system:masters.</summary>
    public Identity Admin { get; }

    /// <summary>Client CA, user viewer in team-b.</summary>
    public Identity Viewer { get; }

    /// <summary>Front-proxy CA, CN front-proxy-client.</summary>
    public Identity FrontProxy { get; }

    /// <summary>Front-proxy CA, but a CN that is not allowed.</summary>
    public Identity OtherProxyName { get; }

    /// <summary>Claims to be the admin, signed by nobody we trust.</summary>
    public Identity Stranger { get; }

    public string Root => _root;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Identity Issue(string directory, string commonName, string[] groups, DateTimeOffset now)
    {
        var issued = DevelopmentCertificates.Issue(
            new CertificateRequestSet(Path.Combine(_root, directory), ["localhost"], [IPAddress.Loopback], commonName, groups), now);
        return new Identity(issued.CaCertFile, X509Certificate2.CreateFromPemFile(issued.ClientCertFile!, issued.ClientKeyFile));
    }

    private Identity IssueFrom(string caDirectory, string directory, string commonName, string[] groups, DateTimeOffset now)
    {
        var issued = DevelopmentCertificates.IssueClient(Path.Combine(_root, caDirectory), Path.Combine(_root, directory), commonName, groups, now);
        return new Identity(issued.CaCertFile, X509Certificate2.CreateFromPemFile(issued.ClientCertFile!, issued.ClientKeyFile));
    }

    internal sealed record Identity(string CaFile, X509Certificate2 Certificate);
}
