using MetricsAdapter.Bus.Spool;
using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Core.Observations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.Bus;

public static class BusServiceCollectionExtensions
{
    /// <summary>
    /// Kafka for the decision manager: the observation source, the spooled audit sink and its shipper, the topic
    /// check, and the embedded cluster when <c>Kafka:Bootstrap</c> is <c>embedded</c>. Options from sections
    /// <c>Kafka</c> and <c>Audit</c>, validated at start.
    /// </summary>
    public static IServiceCollection AddKafkaBus(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<KafkaOptions>()
            .BindConfiguration(KafkaOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => !o.Settings.ContainsKey("bootstrap.servers"), "Kafka:Settings must not set bootstrap.servers: use Kafka:Bootstrap (--kafka-bootstrap)")
            .ValidateOnStart();
        services.AddOptions<AuditOptions>()
            .BindConfiguration(AuditOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.SegmentBytes <= o.SpoolMaxBytes, "Audit:SegmentBytes must not exceed Audit:SpoolMaxBytes")
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<KafkaConnectivity>();
        services.AddSingleton<BusTelemetry>();
        services.AddSingleton<KafkaBootstrap>();
        services.AddSingleton<KafkaClientSettings>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AuditOptions>>().Value;
            return new DecisionSpool(options.SpoolDirectory, options.SpoolMaxBytes, options.SegmentBytes, sp.GetRequiredService<ILogger<DecisionSpool>>());
        });
        services.AddSingleton<KafkaDecisionShipper>();
        services.AddHostedService(sp => sp.GetRequiredService<KafkaDecisionShipper>());
        services.AddSingleton<SpooledAuditSink>();
        services.AddSingleton<IAuditSink>(sp => sp.GetRequiredService<SpooledAuditSink>());
        services.AddSingleton<IObservationSource, KafkaObservationSource>();
        services.AddHostedService<TopicCheck>();
        return services;
    }
}
