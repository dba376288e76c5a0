using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.Decisions;

public static class DecisionsServiceCollectionExtensions
{
    /// <summary>
    /// The decision manager and its loop. Needs an <see cref="Core.Observations.IObservationSource"/>, an
    /// <see cref="Core.Decisions.IAuditSink"/> and an <see cref="Core.Series.ISeriesWriter"/> from other libraries.
    /// Options from section <c>Decisions</c>, validated at start.
    /// </summary>
    public static IServiceCollection AddDecisionManager(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<DecisionOptions>()
            .BindConfiguration(DecisionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<DecisionOptions>, DecisionOptionsValidator>();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Prediction.Onnx.OnnxModelCatalog>();
        services.TryAddSingleton<IServiceModelFactory>(sp => new DefaultServiceModelFactory(
            sp.GetRequiredService<IOptions<DecisionOptions>>().Value,
            sp.GetRequiredService<Prediction.Onnx.OnnxModelCatalog>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<DefaultServiceModelFactory>>()));
        services.AddSingleton<DecisionTelemetry>();
        services.AddSingleton<DecisionManager>();
        services.AddSingleton<DecisionSnapshots>();
        services.AddSingleton<DecisionLoop>();
        services.AddHostedService(sp => sp.GetRequiredService<DecisionLoop>());
        return services;
    }
}
