namespace MetricsAdapter.Sidecar;

/// <summary>
/// The sidecar's Kafka settings from a mounted Secret: each key a file. Keys named like librdkafka settings
/// (<c>security.protocol</c>, <c>sasl.mechanism</c>, <c>sasl.username</c>, <c>sasl.password</c>, …) are read as their
/// values; <c>ca.crt</c>, <c>tls.crt</c> and <c>tls.key</c> (a <c>kubernetes.io/tls</c> Secret's keys) are passed by path.
/// With TLS files and no <c>security.protocol</c>, TLS is switched on (<c>ssl</c>, or <c>sasl_ssl</c> with a SASL user).
/// Values never reach a log: only the setting names do.
/// </summary>
public static class KafkaSecretFolder
{
    private static readonly (string File, string Setting)[] PathKeys =
    [
        ("ca.crt", "ssl.ca.location"),
        ("tls.crt", "ssl.certificate.location"),
        ("tls.key", "ssl.key.location"),
    ];

    /// <summary>The settings the folder holds; an absent folder holds none (the Secret is optional).</summary>
    /// <exception cref="IOException">A file exists but cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A file exists but may not be read.</exception>
    public static Dictionary<string, string> Read(string directory)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(directory))
        {
            return settings;
        }

        foreach (var path in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.'))
            {
                // A Secret volume's own bookkeeping (..data and timestamped folders).
                continue;
            }

            var pathKey = Array.Find(PathKeys, k => k.File == name);
            if (pathKey.Setting is not null)
            {
                settings[pathKey.Setting] = path;
            }
            else if (name.Contains('.', StringComparison.Ordinal))
            {
                settings[name] = File.ReadAllText(path).TrimEnd('\r', '\n');
            }
        }

        if (!settings.ContainsKey("security.protocol") && settings.ContainsKey("ssl.ca.location"))
        {
            settings["security.protocol"] = settings.ContainsKey("sasl.username") ? "sasl_ssl" : "ssl";
        }

        return settings;
    }
}
