using Microsoft.Extensions.Primitives;

namespace MetricsAdapter.ApiServer.Security;

/// <summary>The current authentication settings, and a signal when they change (a CA rotated, the ConfigMap edited).</summary>
public interface IAuthenticationSettingsSource
{
    AuthenticationSettings Current { get; }

    /// <summary>Counts the changes of <see cref="Current"/>: what was validated under another generation is stale.</summary>
    long Generation { get; }

    /// <summary>Fires once, the next time <see cref="Current"/> changes.</summary>
    IChangeToken GetChangeToken();
}
