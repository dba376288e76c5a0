namespace MetricsAdapter.Injection.Policy;

/// <summary>The Kubernetes version kube-apiserver last reported; null until it has answered.</summary>
public sealed class ClusterVersionSource
{
    private volatile Version? _discovered;

    public Version? Discovered
    {
        get => _discovered;
        set => _discovered = value;
    }
}
