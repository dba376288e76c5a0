using System.Security.Cryptography.X509Certificates;
using MetricsAdapter.ApiServer.Serving;
using MetricsAdapter.Testing;
using YamlDotNet.RepresentationModel;

namespace MetricsAdapter.Host.Tests;

/// <summary>The manifests, rendered by kubectl's own kustomize, say what the contracts require.</summary>
public sealed class ManifestTests
{
    private static async Task<IReadOnlyList<YamlMappingNode>> RenderAsync(string directory)
    {
        var (exitCode, stdout, stderr) = await ProcessRunner.RunSplitAsync("kubectl", ["kustomize", directory], TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, stderr);
        var stream = new YamlStream();
        stream.Load(new StringReader(stdout));
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    private static YamlMappingNode Single(IReadOnlyList<YamlMappingNode> documents, string kind) =>
        Assert.Single(documents, d => Scalar(d, "kind") == kind);

    private static string? Scalar(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            node = node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : new YamlScalarNode(null);
        }

        return (node as YamlScalarNode)?.Value;
    }

    [Fact]
    public async Task Images_AndBothPrograms_CarryTheBuildsOneVersion()
    {
        var version = Core.BuildVersion.Semantic;
        var documents = await RenderAsync(Path.Combine(SharedData.RepositoryRoot, "manifests"));
        var deployment = Single(documents, "Deployment");
        var images = ((YamlSequenceNode)deployment["spec"]["template"]["spec"]["containers"]).Children.Select(c => Scalar(c, "image")).ToList();
        Assert.Contains(Core.BuildVersion.AdapterImage, images);

        // The webhook injects this build's sidecar image, which the Dockerfile's sidecar target builds and tags.
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(SharedData.RepositoryRoot, "Dockerfile"));
        Assert.Equal(Core.BuildVersion.SidecarImage, new Injection.InjectionOptions().Image);
        Assert.Contains($"--target sidecar -t {Core.BuildVersion.SidecarImage} .", dockerfile, StringComparison.Ordinal);
        Assert.Contains($"--target adapter -t {Core.BuildVersion.AdapterImage} .", dockerfile, StringComparison.Ordinal);
        Assert.Contains("AS sidecar", dockerfile, StringComparison.Ordinal);

        var adapter = await AdapterProcess.RunCliAsync("--version");
        var sidecar = await ProcessRunner.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "metrics-adapter-sidecar.dll"), "--version"], TimeSpan.FromSeconds(60));
        Assert.StartsWith(version, adapter.Output.Trim(), StringComparison.Ordinal);
        Assert.Equal(version, sidecar.Output.Trim());
    }

    [Fact]
    public async Task Webhook_FollowsTheContract()
    {
        var documents = await RenderAsync(Path.Combine(SharedData.RepositoryRoot, "manifests"));
        var configuration = Single(documents, "MutatingWebhookConfiguration");
        var webhooks = ((YamlSequenceNode)configuration["webhooks"]).Children.Cast<YamlMappingNode>().ToList();

        Assert.Equal(2, webhooks.Count);
        foreach (var webhook in webhooks)
        {
            Assert.Equal("None", Scalar(webhook, "sideEffects"));
            Assert.Equal(["v1", "v1beta1"], ((YamlSequenceNode)webhook["admissionReviewVersions"]).Children.Select(c => ((YamlScalarNode)c).Value));
            Assert.InRange(int.Parse(Scalar(webhook, "timeoutSeconds")!, System.Globalization.CultureInfo.InvariantCulture), 1, 5);
            Assert.Equal("IfNeeded", Scalar(webhook, "reinvocationPolicy"));
            Assert.Equal("/mutate", Scalar(webhook, "clientConfig", "service", "path"));
            var excluded = ((YamlSequenceNode)((YamlMappingNode)webhook["namespaceSelector"])["matchExpressions"]).Children.Cast<YamlMappingNode>()
                .Single(e => Scalar(e, "key") == "kubernetes.io/metadata.name");
            Assert.Equal("NotIn", Scalar(excluded, "operator"));
            Assert.Equal(["kube-system", "kube-public", "kube-node-lease", "metrics-adapter"], ((YamlSequenceNode)excluded["values"]).Children.Select(c => ((YamlScalarNode)c).Value));
        }
    }

    [Fact]
    public async Task ApiService_NamesItsGroupAndVersion()
    {
        var documents = await RenderAsync(Path.Combine(SharedData.RepositoryRoot, "manifests"));
        var apiService = Single(documents, "APIService");

        Assert.Equal("v1beta1.external.metrics.k8s.io", Scalar(apiService, "metadata", "name"));
        Assert.Equal("metrics-adapter", Scalar(apiService, "spec", "service", "name"));
        Assert.Equal("kube-system", Scalar(documents.Single(d => Scalar(d, "kind") == "RoleBinding"), "metadata", "namespace"));
    }

    [Fact]
    public async Task CertsOverlay_CaBundleVerifiesTheServingCertificateForTheServiceName()
    {
        using var overlay = new TemporaryDirectory();
        var (exitCode, output) = await ProcessRunner.RunAsync(Path.Combine(SharedData.RepositoryRoot, "certs", "generate.sh"), [overlay.Path], TimeSpan.FromMinutes(5));
        Assert.True(exitCode == 0, output);

        var documents = await RenderAsync(overlay.Path);
        var bundles = new[]
        {
            Scalar(Single(documents, "APIService"), "spec", "caBundle"),
        }.Concat(((YamlSequenceNode)Single(documents, "MutatingWebhookConfiguration")["webhooks"]).Children.Select(w => Scalar(w, "clientConfig", "caBundle")));
        var secret = Single(documents, "Secret");
        using var serving = X509Certificate2.CreateFromPem(
            System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(Scalar(secret, "data", "tls.crt")!)),
            System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(Scalar(secret, "data", "tls.key")!)));

        Assert.Equal(3, bundles.Count());
        foreach (var bundle in bundles)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPem(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(bundle!)));
            Assert.True(CertificateValidation.Verify(serving, roots, CertificateValidation.ServerAuthUsage, TimeProvider.System.GetUtcNow(), out var error), error);
        }

        Assert.True(serving.MatchesHostname("metrics-adapter.metrics-adapter.svc"));
    }

    [Fact]
    public void KafkaTopics_HaveTheSettingsTheAdapterChecksAtStart()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "manifests", "kafka-topics.yaml"))));
        var topics = stream.Documents.Select(d => (YamlMappingNode)d.RootNode).Where(d => Scalar(d, "kind") == "KafkaTopic").ToList();

        var expected = MetricsAdapter.Bus.TopicCheck.Expected(new MetricsAdapter.Bus.KafkaOptions());
        Assert.Equal(expected.Select(t => t.Name), topics.Select(t => Scalar(t, "metadata", "name")));
        foreach (var (topic, wanted) in topics.Zip(expected))
        {
            foreach (var (setting, value) in wanted.Settings)
            {
                Assert.Equal(value, Scalar(topic, "spec", "config", setting));
            }
        }

        Assert.Equal("2", Scalar(topics[1], "spec", "config", "min.insync.replicas"));
    }

    [Fact]
    public async Task Deployment_ReachesKafka_KeepsItsStateOnAVolume_AndItsConfigBindsAndValidates()
    {
        var documents = await RenderAsync(Path.Combine(SharedData.RepositoryRoot, "manifests"));
        var deployment = Single(documents, "Deployment");
        var container = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)deployment["spec"])["template"])["spec"]["containers"]).Children[0];
        var arguments = ((YamlSequenceNode)container["args"]).Children.Select(a => ((YamlScalarNode)a).Value!).ToList();
        var mounts = ((YamlSequenceNode)container["volumeMounts"]).Children.Select(m => Scalar(m, "mountPath")).ToList();

        Assert.Equal("Recreate", Scalar(deployment, "spec", "strategy", "type"));
        Assert.Contains(arguments, a => a.StartsWith("--kafka-bootstrap=", StringComparison.Ordinal));
        Assert.Contains("--state-dir=/var/lib/metrics-adapter", arguments);
        Assert.Contains("/var/lib/metrics-adapter", mounts);
        Assert.Contains("--config=/etc/metrics-adapter/adapter.json", arguments);
        Assert.Contains("/etc/metrics-adapter", mounts);

        var json = Scalar(Single(documents, "ConfigMap"), "data", "adapter.json")!;
        var configuration = Microsoft.Extensions.Configuration.JsonConfigurationExtensions.AddJsonStream(
            new Microsoft.Extensions.Configuration.ConfigurationBuilder(), new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();
        var decisions = Microsoft.Extensions.Configuration.ConfigurationBinder.Get<MetricsAdapter.Decisions.DecisionOptions>(configuration.GetSection("Decisions"))!;
        var kafka = Microsoft.Extensions.Configuration.ConfigurationBinder.Get<MetricsAdapter.Bus.KafkaOptions>(configuration.GetSection("Kafka"))!;
        Assert.True(new MetricsAdapter.Decisions.DecisionOptionsValidator().Validate(null, decisions).Succeeded);
        Assert.Equal("PLAINTEXT", kafka.Settings["security.protocol"]);
        Assert.DoesNotContain(kafka.Settings.Keys, MetricsAdapter.Bus.KafkaClientSettings.IsSecret);
    }
}
