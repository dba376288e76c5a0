using System.Reflection;

namespace MetricsAdapter.Sidecar;

/// <summary>The sidecar's version: the build's one version (Directory.Build.props), as every program reports it.</summary>
public static class SidecarVersion
{
    public static string Value { get; } =
        typeof(SidecarVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
