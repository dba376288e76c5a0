using MetricsAdapter.ExternalMetrics.Provider;
using MetricsAdapter.Core.Series;
using MetricsAdapter.ExternalMetrics.Http;
using MetricsAdapter.ExternalMetrics.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.ExternalMetrics;

public static class ExternalMetricsServiceCollectionExtensions
{
    /// <summary>
    /// The series store behind <see cref="IExternalMetricsProvider"/> (reads) and <see cref="ISeriesWriter"/>
    /// (writes, counted), its sweeper, and its telemetry. Options come from section <c>SeriesStore</c>, validated at start.
    /// </summary>
    public static IServiceCollection AddExternalMetrics(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SeriesStoreOptions>()
            .BindConfiguration(SeriesStoreOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new InMemorySeriesStore(
            ServedMetrics.All,
            sp.GetRequiredService<IOptions<SeriesStoreOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IExternalMetricsProvider>(sp => sp.GetRequiredService<InMemorySeriesStore>());
        services.AddSingleton<SeriesStoreTelemetry>();
        services.AddSingleton<ISeriesWriter>(sp => new CountingSeriesWriter(
            sp.GetRequiredService<InMemorySeriesStore>(),
            sp.GetRequiredService<SeriesStoreTelemetry>()));
        services.AddHostedService<SeriesStoreSweeper>();
        services.AddExternalMetricsEndpoints();
        return services;
    }
}
