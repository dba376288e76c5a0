using System.Reflection;

namespace MetricsAdapter.Core;

/// <summary>The build's one version (<c>Version</c> in Directory.Build.props), as every program and image reports it.</summary>
public static class BuildVersion
{
    private static readonly string Informational =
        typeof(BuildVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The semantic version, e.g. <c>0.2.0</c>.</summary>
    public static string Semantic { get; } = Informational.Split('+')[0];

    /// <summary>The source revision the build was made from, when the build knew it; else empty.</summary>
    public static string Revision { get; } = Informational.Contains('+', StringComparison.Ordinal) ? Informational.Split('+')[1] : string.Empty;

    /// <summary>The sidecar image of this build.</summary>
    public static string SidecarImage { get; } = "ghcr.io/metrics-adapter/metrics-adapter-sidecar:" + Semantic;

    /// <summary>The adapter image of this build.</summary>
    public static string AdapterImage { get; } = "ghcr.io/metrics-adapter/metrics-adapter:" + Semantic;
}
