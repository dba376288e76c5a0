using Microsoft.Extensions.DependencyInjection;

namespace MetricsAdapter.Simulation.Demo;

public static class DemoServiceCollectionExtensions
{
    /// <summary>
    /// The demo: the demo app and one predictor sidecar process per demo pod, supervised (<see cref="DemoProcesses"/>).
    /// Options from section <c>Demo</c>, validated at start.
    /// </summary>
    public static IServiceCollection AddDemoWorkload(this IServiceCollection services, Func<IServiceProvider, DemoLaunch> launch)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(launch);
        services.AddOptions<DemoWorkloadOptions>()
            .BindConfiguration(DemoWorkloadOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => Core.Validation.KubernetesNames.ValidateDns1123Label(o.Namespace) is null, "Demo:Namespace must be a valid namespace name")
            .ValidateOnStart();
        services.AddSingleton(launch);
        services.AddSingleton<DemoProcesses>();
        services.AddHostedService(sp => sp.GetRequiredService<DemoProcesses>());
        return services;
    }
}
