using Microsoft.Extensions.DependencyInjection;

namespace MetricsAdapter.Demo;

public static class DemoServiceCollectionExtensions
{
    /// <summary>Feeds the demo workload into the served series. Options from section <c>Demo</c>, validated at start.</summary>
    public static IServiceCollection AddDemoWorkload(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<DemoWorkloadOptions>()
            .BindConfiguration(DemoWorkloadOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => Core.Validation.KubernetesNames.ValidateDns1123Label(o.Namespace) is null, "Demo:Namespace must be a valid namespace name")
            .ValidateOnStart();
        services.AddHostedService<DemoFeeder>();
        return services;
    }
}
