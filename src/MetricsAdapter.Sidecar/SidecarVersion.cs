namespace MetricsAdapter.Sidecar;

/// <summary>The sidecar's version: the build's one version, as every program reports it.</summary>
public static class SidecarVersion
{
    public static string Value => Core.BuildVersion.Semantic;
}
