using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>Tells the options system to rebuild a certificate scheme's options when the authentication settings change.</summary>
public sealed class AuthenticationSettingsChangeTokenSource(string name, IAuthenticationSettingsSource settings)
    : IOptionsChangeTokenSource<CertificateAuthenticationOptions>
{
    public string Name => name;

    public IChangeToken GetChangeToken() => settings.GetChangeToken();
}
