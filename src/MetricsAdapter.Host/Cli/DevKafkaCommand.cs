using System.CommandLine;
using System.Globalization;
using MetricsAdapter.Bus;

namespace MetricsAdapter.Host.Cli;

/// <summary>
/// <c>dev-kafka</c>: librdkafka's mock cluster as a standalone development broker, for trying the adapter against
/// an external broker and for outage drills: it prints its address, then takes <c>down N</c>, <c>up N</c> and
/// <c>quit</c> on stdin. Not durable: it forgets everything when it stops.
/// </summary>
internal static class DevKafkaCommand
{
    public static Command Create()
    {
        var brokers = new Option<int>("--brokers") { Description = "Brokers in the cluster.", DefaultValueFactory = _ => 1 };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of each topic it creates.", DefaultValueFactory = _ => 4 };
        var topics = new Option<string[]>("--topic")
        {
            Description = "Topics to create at start (comma-separated).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [new KafkaOptions().ObservationsTopic, new KafkaOptions().DecisionsTopic],
        };
        var bootstrapFile = new Option<string?>("--bootstrap-file") { Description = "Also write the address to this file." };
        var command = new Command("dev-kafka", "Run a development Kafka broker (librdkafka's mock cluster): prints its address; 'down N', 'up N', 'quit' on stdin.")
        {
            brokers, partitions, topics, bootstrapFile,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(brokers) is < 1 or > 16 || parse.GetValue(partitions) is < 1 or > 64)
            {
                await Console.Error.WriteLineAsync("dev-kafka: --brokers must be 1–16 and --partitions 1–64");
                return 2;
            }

            using var cluster = new EmbeddedKafkaCluster(parse.GetValue(brokers));
            foreach (var topic in CliValues.SplitList(parse.GetValue(topics)))
            {
                cluster.CreateTopic(topic, parse.GetValue(partitions));
            }

            if (parse.GetValue(bootstrapFile) is { } file)
            {
                await File.WriteAllTextAsync(file, cluster.BootstrapServers + "\n", cancellationToken);
            }

            await Console.Out.WriteLineAsync(cluster.BootstrapServers);
            await Console.Out.FlushAsync(cancellationToken);
            await Console.Error.WriteLineAsync($"dev-kafka: {cluster.Brokers} broker(s) at {cluster.BootstrapServers}; commands: down N, up N, quit");
            var stop = new TaskCompletionSource();
            using var registration = cancellationToken.Register(() => stop.TrySetResult());
            var input = Task.Run(async () =>
            {
                while (await Console.In.ReadLineAsync(cancellationToken) is { } line)
                {
                    var answer = Command(cluster, line.Trim());
                    if (answer is null)
                    {
                        break;
                    }

                    await Console.Out.WriteLineAsync(answer);
                    await Console.Out.FlushAsync(cancellationToken);
                }

                stop.TrySetResult();
            }, cancellationToken);
            await stop.Task;
            return 0;
        });
        return command;
    }

    /// <summary>The answer to one command line; null to stop.</summary>
    private static string? Command(EmbeddedKafkaCluster cluster, string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return string.Empty;
        }

        if (parts[0] is "quit" or "exit")
        {
            return null;
        }

        if (parts.Length == 2 && parts[0] is "down" or "up" && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var broker))
        {
            try
            {
                if (parts[0] == "down")
                {
                    cluster.SetBrokerDown(broker);
                }
                else
                {
                    cluster.SetBrokerUp(broker);
                }

                return $"ok: broker {broker} {parts[0]}";
            }
            catch (InvalidOperationException exception)
            {
                return "error: " + exception.Message;
            }
        }

        return "error: commands are down N, up N, quit";
    }
}
