using MetricsAdapter.Injection.Json;
using MetricsAdapter.Injection.Mutation;
using MetricsAdapter.Injection.Policy;
using MetricsAdapter.Injection.Webhook;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.Injection;

public static class InjectionServiceCollectionExtensions
{
    /// <summary>The sidecar injection webhook: options from section <c>Injection</c> (validated at start), policy, injector, telemetry.</summary>
    public static IServiceCollection AddSidecarInjection(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<InjectionOptions>()
            .BindConfiguration(InjectionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<InjectionOptions>, InjectionOptionsValidator>();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ClusterVersionSource>();
        services.AddSingleton<IInjectionPolicy>(sp => new InjectionPolicy(sp.GetRequiredService<IOptions<InjectionOptions>>().Value, sp.GetRequiredService<ClusterVersionSource>()));
        services.AddHostedService(sp => new ClusterVersionRefresher(
            sp.GetService<ApiServer.Kubernetes.KubernetesConnection>() ?? ApiServer.Kubernetes.KubernetesConnection.None,
            sp.GetRequiredService<ClusterVersionSource>(),
            sp.GetRequiredService<IOptions<InjectionOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ClusterVersionRefresher>>()));
        services.AddSingleton(sp => new SidecarInjector(sp.GetRequiredService<IOptions<InjectionOptions>>().Value));
        services.AddSingleton<MemberNameTable>();
        services.AddSingleton(sp => new SidecarInjectionWebhook(
            sp.GetRequiredService<IInjectionPolicy>(),
            sp.GetRequiredService<SidecarInjector>(),
            sp.GetRequiredService<IOptions<InjectionOptions>>().Value,
            sp.GetRequiredService<MemberNameTable>()));
        services.AddSingleton<WebhookTelemetry>();
        services.AddSingleton(sp => new WebhookServices(
            sp.GetRequiredService<SidecarInjectionWebhook>(),
            sp.GetRequiredService<WebhookTelemetry>(),
            sp.GetRequiredService<IOptions<InjectionOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
