using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.Bus;

/// <summary>What a topic should look like (manifests/kafka-topics.yaml creates both with these settings).</summary>
public sealed record ExpectedTopic(string Name, string Purpose, IReadOnlyDictionary<string, string> Settings);

/// <summary>
/// At start, checks that both topics exist and have the documented settings, and says what differs. It never
/// stops the adapter: a missing topic is an error line, the adapter keeps serving (the audit spool holds
/// decisions until the topic exists).
/// </summary>
public sealed partial class TopicCheck(KafkaClientSettings settings, ILogger<TopicCheck> logger) : BackgroundService
{
    public static IReadOnlyList<ExpectedTopic> Expected(KafkaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return
        [
            new(options.ObservationsTopic, "observations: telemetry, loss tolerable", new Dictionary<string, string>
            {
                ["cleanup.policy"] = "delete",
                ["retention.ms"] = (24L * 3600 * 1000).ToString(CultureInfo.InvariantCulture),
            }),
            new(options.DecisionsTopic, "decisions: the audit trail", new Dictionary<string, string>
            {
                ["cleanup.policy"] = "delete",
                ["retention.ms"] = (7L * 24 * 3600 * 1000).ToString(CultureInfo.InvariantCulture),
            }),
        ];
    }

    /// <summary>The embedded cluster's topics are created by the adapter itself (and it cannot describe settings): nothing to check.</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        settings.Options.CheckTopics && !settings.Options.IsEmbedded ? Task.Run(() => Check(stoppingToken), stoppingToken) : Task.CompletedTask;

    /// <summary>One line per topic: fine, or what is missing or different.</summary>
    public IReadOnlyList<string> Check(CancellationToken cancellationToken)
    {
        var findings = new List<string>();
        using var admin = new AdminClientBuilder(settings.For("metrics-adapter-topic-check")).SetErrorHandler((_, _) => { }).SetLogHandler((_, _) => { }).Build();
        foreach (var topic in Expected(settings.Options))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            findings.Add(CheckOne(admin, topic));
        }

        return findings;
    }

    private string CheckOne(IAdminClient admin, ExpectedTopic expected)
    {
        TopicMetadata? topic;
        try
        {
            topic = admin.GetMetadata(expected.Name, TimeSpan.FromSeconds(10)).Topics.SingleOrDefault(t => t.Topic == expected.Name);
        }
        catch (KafkaException exception)
        {
            return Report(Finding.Unchecked, $"topic {expected.Name}: not checked, the brokers did not answer ({exception.Error.Reason})");
        }

        IReadOnlyDictionary<string, string>? actual = null;
        string? unreadable = null;
        if (topic is not null && !topic.Error.IsError)
        {
            try
            {
                var described = admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = expected.Name }]);
                if (!described.Wait(TimeSpan.FromSeconds(5)))
                {
                    throw new TimeoutException("no answer in 5 s");
                }

                actual = described.Result.Single().Entries.ToDictionary(e => e.Key, e => e.Value.Value ?? string.Empty, StringComparer.Ordinal);
            }
            catch (Exception exception) when (exception is KafkaException or AggregateException or InvalidOperationException or TimeoutException)
            {
                unreadable = exception.Message;
            }
        }

        var (finding, text) = Assess(expected, topic, actual, unreadable);
        return Report(finding, text);
    }

    /// <summary>What the metadata and settings read from the brokers say about one expected topic.</summary>
    internal static (Finding Finding, string Text) Assess(ExpectedTopic expected, TopicMetadata? topic, IReadOnlyDictionary<string, string>? actual, string? unreadable)
    {
        if (topic is null || topic.Error.IsError || topic.Partitions.Count == 0)
        {
            return (Finding.Problem,
                $"topic {expected.Name} ({expected.Purpose}) does not exist ({(topic is null ? "not in metadata" : topic.Error.Reason)}); create it (manifests/kafka-topics.yaml) with {Describe(expected.Settings)}");
        }

        if (actual is null)
        {
            return (Finding.Unchecked, $"topic {expected.Name}: exists with {topic.Partitions.Count} partitions; its settings could not be read ({unreadable})");
        }

        var differences = expected.Settings
            .Where(pair => !actual.TryGetValue(pair.Key, out var value) || value != pair.Value)
            .Select(pair => $"{pair.Key} is {(actual.TryGetValue(pair.Key, out var value) ? value : "unset")}, expected {pair.Value}")
            .ToList();
        return differences.Count > 0
            ? (Finding.Problem, $"topic {expected.Name} ({expected.Purpose}): {string.Join("; ", differences)}")
            : (Finding.Fine, $"topic {expected.Name}: {topic.Partitions.Count} partitions, {Describe(expected.Settings)}");
    }

    private string Report(Finding finding, string text)
    {
        switch (finding)
        {
            case Finding.Fine:
                LogFine(logger, text);
                break;
            case Finding.Problem:
                LogProblem(logger, text);
                break;
            default:
                LogUnchecked(logger, text);
                break;
        }

        return text;
    }

    internal enum Finding
    {
        Fine,
        Problem,
        Unchecked,
    }

    private static string Describe(IReadOnlyDictionary<string, string> settings) => string.Join(", ", settings.Select(p => $"{p.Key}={p.Value}"));

    [LoggerMessage(EventId = 5601, Level = LogLevel.Information, Message = "Kafka: {Finding}")]
    private static partial void LogFine(ILogger logger, string finding);

    [LoggerMessage(EventId = 5602, Level = LogLevel.Error, Message = "Kafka: {Finding}")]
    private static partial void LogProblem(ILogger logger, string finding);

    [LoggerMessage(EventId = 5603, Level = LogLevel.Warning, Message = "Kafka: {Finding}")]
    private static partial void LogUnchecked(ILogger logger, string finding);
}
