using System.CommandLine;
using MetricsAdapter.Bus;

namespace MetricsAdapter.Host.Cli;

/// <summary>How the CLI verbs that read Kafka find it: <c>--kafka-bootstrap</c>, else the address <c>make run</c> wrote, plus <c>--config</c>'s Kafka section.</summary>
internal static class KafkaCliOptions
{
    public static Option<string?> Bootstrap() => new("--kafka-bootstrap")
    {
        Description = "Kafka brokers, host:port[,host:port]. Default: the embedded broker of a running 'make run' (.run/kafka.bootstrap).",
    };

    public static Option<FileInfo?> Config() => new("--config")
    {
        Description = "JSON file with a Kafka section (Settings, SecretFiles, SecretEnvironment, topic names), as serve reads it.",
    };

    /// <summary>The client settings, or an error sentence.</summary>
    public static (Dictionary<string, string>? Settings, KafkaOptions Options, string? Error) Resolve(string? bootstrap, FileInfo? configFile)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            if (!configFile.Exists)
            {
                return (null, new KafkaOptions(), $"--config {configFile.FullName}: no such file");
            }

            builder.AddJsonFile(configFile.FullName, optional: false);
        }

        var options = builder.Build().GetSection(KafkaOptions.SectionName).Get<KafkaOptions>() ?? new KafkaOptions();
        if (bootstrap is null)
        {
            var file = Path.Combine(Serving.ServeSettings.DefaultStateDirectory, "kafka.bootstrap");
            if (!File.Exists(file))
            {
                return (null, options, $"no --kafka-bootstrap given and no {file} (is 'make run' running?)");
            }

            bootstrap = File.ReadAllText(file).Trim();
        }

        try
        {
            return (KafkaClientSettings.Resolve(options, bootstrap), options, null);
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            return (null, options, exception.Message);
        }
    }
}
