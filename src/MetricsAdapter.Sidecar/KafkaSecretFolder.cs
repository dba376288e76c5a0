namespace MetricsAdapter.Sidecar;

/// <summary>
/// The sidecar's Kafka settings from a mounted Secret: each key a file. Known librdkafka security settings
/// (<c>security.protocol</c>, <c>sasl.mechanism</c>, <c>sasl.username</c>, <c>sasl.password</c>, <c>ssl.key.password</c>,
/// <c>sasl.oauthbearer.*</c>, …) are read as their values; certificate files are passed by path: <c>ca.crt</c>,
/// <c>tls.crt</c>, <c>tls.key</c> (a <c>kubernetes.io/tls</c> Secret) and Strimzi's KafkaUser keys (<c>user.crt</c>,
/// <c>user.key</c>, and <c>password</c> for SCRAM). With TLS files and no <c>security.protocol</c>, TLS is switched on
/// (<c>ssl</c>, or <c>sasl_ssl</c> with a SASL user). Other keys are listed in <see cref="SecretSettings.Ignored"/>, by name
/// only: values never reach a log.
/// </summary>
public static class KafkaSecretFolder
{
    private static readonly (string File, string Setting)[] PathKeys =
    [
        ("ca.crt", "ssl.ca.location"),
        ("tls.crt", "ssl.certificate.location"),
        ("tls.key", "ssl.key.location"),
        ("user.crt", "ssl.certificate.location"),
        ("user.key", "ssl.key.location"),
    ];

    private static readonly (string File, string Setting)[] ValueAliases = [("password", "sasl.password"), ("username", "sasl.username")];

    private static readonly string[] ValueSettings =
    [
        "security.protocol", "sasl.mechanism", "sasl.mechanisms", "sasl.username", "sasl.password", "ssl.key.password",
        "ssl.endpoint.identification.algorithm", "ssl.ca.pem", "ssl.certificate.pem", "ssl.key.pem",
    ];

    /// <summary>The settings the folder holds; an absent folder holds none (the Secret is optional).</summary>
    /// <exception cref="IOException">A file exists but cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A file exists but may not be read.</exception>
    public static SecretSettings Read(string directory)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        var ignored = new List<string>();
        if (!Directory.Exists(directory))
        {
            return new SecretSettings(settings, ignored);
        }

        foreach (var path in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.'))
            {
                // A Secret volume's own bookkeeping (..data and timestamped folders).
                continue;
            }

            if (Array.Find(PathKeys, k => k.File == name).Setting is { } pathSetting)
            {
                settings[pathSetting] = path;
            }
            else if (Array.Find(ValueAliases, k => k.File == name).Setting is { } alias)
            {
                settings.TryAdd(alias, File.ReadAllText(path).TrimEnd('\r', '\n'));
            }
            else if (ValueSettings.Contains(name, StringComparer.Ordinal) || name.StartsWith("sasl.oauthbearer.", StringComparison.Ordinal))
            {
                settings[name] = File.ReadAllText(path).TrimEnd('\r', '\n');
            }
            else
            {
                ignored.Add(name);
            }
        }

        if (!settings.ContainsKey("security.protocol") && settings.ContainsKey("ssl.ca.location"))
        {
            settings["security.protocol"] = settings.ContainsKey("sasl.username") ? "sasl_ssl" : "ssl";
        }

        return new SecretSettings(settings, ignored);
    }
}

/// <summary>The librdkafka settings a Secret folder gave, and the names of the keys it ignored.</summary>
public sealed record SecretSettings(IReadOnlyDictionary<string, string> Settings, IReadOnlyList<string> Ignored);
