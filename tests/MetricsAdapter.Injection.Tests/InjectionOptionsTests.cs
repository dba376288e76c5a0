namespace MetricsAdapter.Injection.Tests;

public sealed class InjectionOptionsTests
{
    [Theory]
    [InlineData(NativeSidecarMode.Auto, null, false)]
    [InlineData(NativeSidecarMode.Auto, "1.28", false)]
    [InlineData(NativeSidecarMode.Auto, "1.29", true)]
    [InlineData(NativeSidecarMode.Auto, "v1.30.2", true)]
    [InlineData(NativeSidecarMode.Auto, "1.33.1-gke.1200", true)]
    [InlineData(NativeSidecarMode.Auto, "2.0", true)]
    [InlineData(NativeSidecarMode.Always, "1.20", true)]
    [InlineData(NativeSidecarMode.Never, "1.33", false)]
    public void UsesNativeSidecars_FollowsModeAndVersion(NativeSidecarMode mode, string? version, bool native)
    {
        Assert.Equal(native, new InjectionOptions { NativeSidecars = mode, ClusterVersion = version }.UsesNativeSidecars());
    }

    [Fact]
    public void Validator_Defaults_AreValid()
    {
        Assert.True(new InjectionOptionsValidator().Validate(null, new InjectionOptions()).Succeeded);
    }

    [Theory]
    [InlineData("CpuRequest", "0", "must be positive")]
    [InlineData("CpuRequest", "lots", "quantities must match")]
    [InlineData("CpuLimit", "10m", "below Injection:CpuRequest")]
    [InlineData("MemoryLimit", "1Mi", "below Injection:MemoryRequest")]
    [InlineData("ContainerName", "Predictor", "RFC 1123")]
    [InlineData("ClusterVersion", "latest", "not a version")]
    [InlineData("DefaultMetricsPath", "metrics", "must start with '/'")]
    [InlineData("Image", "a b", "not an image reference")]
    public void Validator_BadValue_FailsWithAReason(string property, string value, string reason)
    {
        var options = property switch
        {
            "CpuRequest" => new InjectionOptions { CpuRequest = value },
            "CpuLimit" => new InjectionOptions { CpuLimit = value },
            "MemoryLimit" => new InjectionOptions { MemoryLimit = value },
            "ContainerName" => new InjectionOptions { ContainerName = value },
            "ClusterVersion" => new InjectionOptions { ClusterVersion = value },
            "DefaultMetricsPath" => new InjectionOptions { DefaultMetricsPath = value },
            _ => new InjectionOptions { Image = value },
        };

        var result = new InjectionOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(reason, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_ReservedEnvironmentName_Fails()
    {
        var result = new InjectionOptionsValidator().Validate(null, new InjectionOptions
        {
            Environment = new Dictionary<string, string> { ["POD_NAME"] = "x", ["9bad"] = "y" },
        });

        Assert.Contains("set by the injector itself", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("not a valid environment variable name", result.FailureMessage, StringComparison.Ordinal);
    }
}
