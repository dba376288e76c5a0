using MetricsAdapter.Testing;

namespace MetricsAdapter.Sidecar.Tests;

public sealed class KafkaSecretFolderTests
{
    [Fact]
    public void Read_SecretVolumeLayout_ValuesTrimmedPathsPassedDotfilesSkipped()
    {
        using var folder = new TemporaryDirectory();
        SecretVolume(folder.Path, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["sasl.username"] = "checkout-sidecar\n",
            ["sasl.password"] = "pa ss#word\n",
            ["sasl.mechanism"] = "SCRAM-SHA-512\r\n",
            ["ca.crt"] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        });
        File.WriteAllText(Path.Combine(folder.Path, ".hidden.setting"), "nope");

        var settings = KafkaSecretFolder.Read(folder.Path).Settings;

        Assert.Equal(
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["sasl.username"] = "checkout-sidecar",
                ["sasl.password"] = "pa ss#word",
                ["sasl.mechanism"] = "SCRAM-SHA-512",
                ["ssl.ca.location"] = Path.Combine(folder.Path, "ca.crt"),
                ["security.protocol"] = "sasl_ssl",
            },
            settings);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(settings["ssl.ca.location"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TlsSecretKeys_PassedByPathAndSslSwitchedOn()
    {
        using var folder = new TemporaryDirectory();
        SecretVolume(folder.Path, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ca.crt"] = "ca\n",
            ["tls.crt"] = "cert\n",
            ["tls.key"] = "key\n",
        });

        var settings = KafkaSecretFolder.Read(folder.Path).Settings;

        Assert.Equal(Path.Combine(folder.Path, "ca.crt"), settings["ssl.ca.location"]);
        Assert.Equal(Path.Combine(folder.Path, "tls.crt"), settings["ssl.certificate.location"]);
        Assert.Equal(Path.Combine(folder.Path, "tls.key"), settings["ssl.key.location"]);
        Assert.Equal("ssl", settings["security.protocol"]);
        Assert.Equal(4, settings.Count);
    }

    [Fact]
    public void Read_ExplicitSecurityProtocol_IsKept()
    {
        using var folder = new TemporaryDirectory();
        SecretVolume(folder.Path, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["security.protocol"] = "SASL_PLAINTEXT\n",
            ["sasl.username"] = "u\n",
            ["ca.crt"] = "ca\n",
        });

        var settings = KafkaSecretFolder.Read(folder.Path).Settings;

        Assert.Equal("SASL_PLAINTEXT", settings["security.protocol"]);
    }

    [Fact]
    public void Read_SaslWithoutCa_NoProtocolIsMadeUp()
    {
        using var folder = new TemporaryDirectory();
        SecretVolume(folder.Path, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["sasl.username"] = "u",
            ["sasl.password"] = "p",
            ["notasetting"] = "ignored",
        });

        var settings = KafkaSecretFolder.Read(folder.Path).Settings;

        Assert.Equal(["sasl.password", "sasl.username"], settings.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Read_StrimziKafkaUserSecret_ScramPasswordAndCertificatesMapped_OtherKeysIgnoredByName()
    {
        using var folder = new TemporaryDirectory();
        SecretVolume(folder.Path, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["password"] = "s3cret\n",
            ["sasl.jaas.config"] = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"s3cret\";",
            ["user.crt"] = "cert\n",
            ["user.key"] = "key\n",
            ["user.p12"] = "binary",
            ["user.password"] = "p12-password",
        });

        var secret = KafkaSecretFolder.Read(folder.Path);

        Assert.Equal("s3cret", secret.Settings["sasl.password"]);
        Assert.Equal(Path.Combine(folder.Path, "user.crt"), secret.Settings["ssl.certificate.location"]);
        Assert.Equal(Path.Combine(folder.Path, "user.key"), secret.Settings["ssl.key.location"]);
        Assert.False(secret.Settings.ContainsKey("sasl.jaas.config"));
        Assert.Equal(["sasl.jaas.config", "user.p12", "user.password"], secret.Ignored);
        Assert.DoesNotContain(secret.Ignored, name => name.Contains("s3cret", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_MissingFolder_NoSettings()
    {
        using var folder = new TemporaryDirectory();

        var settings = KafkaSecretFolder.Read(Path.Combine(folder.Path, "not-mounted")).Settings;

        Assert.Empty(settings);
    }

    [Fact]
    public void Read_EmptyOptionalSecret_NoSettings()
    {
        using var folder = new TemporaryDirectory();
        SecretVolume(folder.Path, new Dictionary<string, string>(StringComparer.Ordinal));

        Assert.Empty(KafkaSecretFolder.Read(folder.Path).Settings);
    }

    /// <summary>
    /// What the kubelet writes for a Secret volume: the files in a timestamped folder, <c>..data</c> linking to it,
    /// and one link per key through <c>..data</c>.
    /// </summary>
    private static void SecretVolume(string root, IReadOnlyDictionary<string, string> keys)
    {
        const string Timestamped = "..2026_12_05_00_14_37.1234567890";
        Directory.CreateDirectory(Path.Combine(root, Timestamped));
        foreach (var (name, value) in keys)
        {
            File.WriteAllText(Path.Combine(root, Timestamped, name), value);
        }

        Directory.CreateSymbolicLink(Path.Combine(root, "..data"), Timestamped);
        foreach (var name in keys.Keys)
        {
            File.CreateSymbolicLink(Path.Combine(root, name), Path.Combine("..data", name));
        }
    }
}
