using Microsoft.Extensions.Options;

namespace MetricsAdapter.Bus;

/// <summary>
/// Every client's librdkafka settings: the bootstrap address, the pass-through settings, and the secrets read
/// from files and environment at start. Secrets never appear in logs: <see cref="Describe"/> redacts them.
/// </summary>
public sealed class KafkaClientSettings
{
    private static readonly string[] SecretMarkers = ["password", "secret", ".pem", "token", "jaas", "credentials"];
    private readonly Dictionary<string, string> _settings;

    public KafkaClientSettings(IOptions<KafkaOptions> options, KafkaBootstrap bootstrap)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(bootstrap);
        Options = options.Value;
        _settings = Resolve(Options, bootstrap.Address);
    }

    public KafkaOptions Options { get; }

    public string BootstrapServers => _settings["bootstrap.servers"];

    /// <summary>
    /// The pass-through settings with the secrets read from their files and environment variables, and the
    /// bootstrap address: what every client of <paramref name="options"/> is built from.
    /// </summary>
    /// <exception cref="InvalidOperationException">A secret's environment variable is not set.</exception>
    /// <exception cref="IOException">A secret's file cannot be read.</exception>
    public static Dictionary<string, string> Resolve(KafkaOptions options, string bootstrapServers)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = new Dictionary<string, string>(options.Settings, StringComparer.Ordinal);
        foreach (var (name, path) in options.SecretFiles)
        {
            settings[name] = File.ReadAllText(path).TrimEnd('\r', '\n');
        }

        foreach (var (name, variable) in options.SecretEnvironment)
        {
            settings[name] = Environment.GetEnvironmentVariable(variable)
                ?? throw new InvalidOperationException($"Kafka:SecretEnvironment: {name} names the environment variable {variable}, which is not set");
        }

        settings["bootstrap.servers"] = bootstrapServers;
        return settings;
    }

    /// <summary>The settings for one client, with <paramref name="overrides"/> for what that client must have.</summary>
    public Dictionary<string, string> For(string clientId, params ReadOnlySpan<(string Name, string Value)> overrides)
    {
        var settings = new Dictionary<string, string>(_settings, StringComparer.Ordinal)
        {
            ["client.id"] = clientId,
        };
        foreach (var (name, value) in overrides)
        {
            settings[name] = value;
        }

        return settings;
    }

    /// <summary>The settings in use, secrets redacted, for a log line.</summary>
    public string Describe() =>
        string.Join(", ", _settings.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={(IsSecret(p.Key) ? "[redacted]" : p.Value)}"));

    public static bool IsSecret(string name) => SecretMarkers.Any(marker => name.Contains(marker, StringComparison.OrdinalIgnoreCase));
}
