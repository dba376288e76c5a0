using Microsoft.Extensions.DependencyInjection;

namespace MetricsAdapter.Simulation.Demo;

public static class DemoServiceCollectionExtensions
{
    /// <summary>
    /// The demo pods publishing observations. Needs an <see cref="Core.Observations.IObservationPublisher"/>.
    /// Options from section <c>Demo</c>, validated at start.
    /// </summary>
    public static IServiceCollection AddDemoWorkload(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<DemoWorkloadOptions>()
            .BindConfiguration(DemoWorkloadOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => Core.Validation.KubernetesNames.ValidateDns1123Label(o.Namespace) is null, "Demo:Namespace must be a valid namespace name")
            .ValidateOnStart();
        services.AddHostedService<DemoObservationFeeder>();
        return services;
    }
}
