using System.Text.Json.Serialization;

namespace MetricsAdapter.ApiServer.Discovery;

/// <summary><c>meta/v1 APIGroupList</c>, served at <c>/apis</c>.</summary>
public sealed record ApiGroupList(IReadOnlyList<ApiGroup> Groups)
{
    [JsonPropertyOrder(-2)]
    public string Kind { get; init; } = "APIGroupList";

    [JsonPropertyOrder(-1)]
    public string ApiVersion { get; init; } = "v1";
}

/// <summary><c>meta/v1 APIGroup</c>. <see cref="Kind"/> is null inside a list and <c>APIGroup</c> on its own.</summary>
public sealed record ApiGroup(string Name, IReadOnlyList<GroupVersionForDiscovery> Versions, GroupVersionForDiscovery PreferredVersion)
{
    [JsonPropertyOrder(-2)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Kind { get; init; }

    [JsonPropertyOrder(-1)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ApiVersion { get; init; }
}

public sealed record GroupVersionForDiscovery(string GroupVersion, string Version);

/// <summary><c>meta/v1 APIResourceList</c>, served at <c>/apis/{group}/{version}</c>; the aggregator's availability probe.</summary>
public sealed record ApiResourceList(string GroupVersion, IReadOnlyList<ApiResource> Resources)
{
    [JsonPropertyOrder(-2)]
    public string Kind { get; init; } = "APIResourceList";

    [JsonPropertyOrder(-1)]
    public string ApiVersion { get; init; } = "v1";
}

/// <summary><c>meta/v1 APIResource</c>; <c>singularName</c>, <c>namespaced</c>, <c>kind</c> and <c>verbs</c> are always written.</summary>
public sealed record ApiResource(string Name, string SingularName, bool Namespaced, string Kind, IReadOnlyList<string> Verbs);

/// <summary>The <c>/version</c> document (<c>version.Info</c>).</summary>
public sealed record VersionInfo(
    string Major,
    string Minor,
    string GitVersion,
    string GitCommit,
    string GitTreeState,
    string BuildDate,
    string GoVersion,
    string Compiler,
    string Platform);
