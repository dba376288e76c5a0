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

        var settings = new Dictionary<string, string>(options.Settings, StringComparer.Ordinal);
        foreach (var (name, path) in options.SecretFiles)
        {
            settings[name] = File.ReadAllText(path).TrimEnd('\r', '\n');
        }

        foreach (var (name, variable) in options.SecretEnvironment)
        {
            if (Environment.GetEnvironmentVariable(variable) is not { } value)
            {
                return (null, options, $"Kafka:SecretEnvironment: {name} names {variable}, which is not set");
            }

            settings[name] = value;
        }

        settings["bootstrap.servers"] = bootstrap;
        return (settings, options, null);
    }
}
