using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>
/// The two client-certificate schemes of an aggregated API server, verified by ASP.NET Core's certificate handler:
/// <see cref="ClientCa"/> (<c>--client-ca-file</c>: the user is the CN, the groups the O values) and
/// <see cref="FrontProxy"/> (<c>--requestheader-client-ca-file</c>: the front proxy, whose CN must be in
/// <c>--requestheader-allowed-names</c> when that is set). Both: a chain to their own CAs only (never the system
/// store), the client-auth usage (a certificate without extended key usage is valid for any, as upstream), the
/// validity period, no self-signed leaf. Options are rebuilt from <see cref="IAuthenticationSettingsSource"/> whenever
/// it changes, so a rotated CA applies to the next request.
/// </summary>
public sealed class CertificateSchemes(IAuthenticationSettingsSource settings) : IConfigureNamedOptions<CertificateAuthenticationOptions>
{
    public const string ClientCa = "client-ca";
    public const string FrontProxy = "front-proxy";

    /// <summary>Set by the security pipeline before it runs a scheme, so the validation cache keys on the scheme.</summary>
    internal const string SchemeItem = "metrics-adapter.certificate-scheme";

    /// <summary>Set with <see cref="SchemeItem"/>: the settings generation the scheme validates under.</summary>
    internal const string GenerationItem = "metrics-adapter.certificate-generation";

    /// <summary>The claim type of a group (an O value of the certificate's subject).</summary>
    public const string GroupClaim = "groups";

    public void Configure(string? name, CertificateAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var current = settings.Current;
        var roots = name switch
        {
            ClientCa => current.ClientCa,
            FrontProxy => current.RequestHeaderCa,
            _ => null,
        };
        if (name is null || roots is null)
        {
            return;
        }

        options.AllowedCertificateTypes = CertificateTypes.Chained;
        options.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
        options.CustomTrustStore.Clear();
        options.CustomTrustStore.AddRange(roots);
        options.RevocationMode = X509RevocationMode.NoCheck;
        options.ValidateCertificateUse = true;
        options.ValidateValidityPeriod = true;
        options.Events = new CertificateAuthenticationEvents
        {
            OnCertificateValidated = context =>
            {
                var commonName = context.ClientCertificate.GetNameInfo(X509NameType.SimpleName, false);
                if (string.IsNullOrEmpty(commonName))
                {
                    context.Fail("the certificate has no common name");
                }
                else if (name == FrontProxy && current.RequestHeaderAllowedNames.Count > 0
                    && !current.RequestHeaderAllowedNames.Contains(commonName, StringComparer.Ordinal))
                {
                    context.Fail($"x509: subject with cn={commonName} is not in the allowed list");
                }
                else
                {
                    context.Principal = Principal(name, commonName, context.ClientCertificate);
                    context.Success();
                }

                return Task.CompletedTask;
            },
        };
    }

    public void Configure(CertificateAuthenticationOptions options) => Configure(Options.DefaultName, options);

    private static ClaimsPrincipal Principal(string scheme, string commonName, X509Certificate2 certificate)
    {
        List<Claim> claims = [new(ClaimTypes.Name, commonName)];
        claims.AddRange(certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.GetSingleElementType().Value == "2.5.4.10")
            .Select(rdn => rdn.GetSingleElementValue() ?? string.Empty)
            .Where(group => group.Length > 0)
            .Select(group => new Claim(GroupClaim, group)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, GroupClaim));
    }
}
