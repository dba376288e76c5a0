using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Injection.Json;
using MetricsAdapter.Injection.Patch;
using MetricsAdapter.Injection.Policy;

namespace MetricsAdapter.Injection.Mutation;

/// <summary>
/// Builds the desired pod: the original with the sidecar added and the status annotation set, as a
/// <see cref="JsonView"/> that opens only the paths it edits. Everything else, including fields this code has
/// never heard of, is carried over untouched.
/// </summary>
public sealed class SidecarInjector(InjectionOptions options)
{
    public const string SidecarPortName = "ma-predictor";

    // Pods of one Deployment share a target: build each sidecar once, as a fully indexed document that every patch
    // can share (only read, so safe across threads). Bounded; starts over when full (the documents' pooled rows are
    // then left to the garbage collector, since reviews in flight may still read them).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<InjectionTarget, (SparseElement Sidecar, string Status)> _built = new();

    public JsonObject Inject(SparseElement pod, InjectionTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var desired = JsonView.OpenObject(pod);
        var metadata = Child(desired, "metadata");
        var spec = Child(desired, "spec");
        var annotations = Child(metadata, "annotations");
        var (template, status) = Built(target);
        var sidecar = JsonView.Wrap(template);

        if (target.Native)
        {
            // First of the init containers, so it runs before the others and for the pod's whole life.
            if (JsonView.EditArray(spec, "initContainers") is { } initContainers)
            {
                initContainers.Insert(0, sidecar);
            }
            else
            {
                spec["initContainers"] = new JsonArray(sidecar);
            }
        }
        else
        {
            var containers = JsonView.EditArray(spec, "containers")!;
            // kubectl logs/exec default to the first container; keep that the app's when we add ours last.
            if (!annotations.ContainsKey(PodKeys.DefaultContainer)
                && JsonView.TryGetElement(containers[0], out var first)
                && JsonRead.Text(first, "name") is { } name)
            {
                annotations[PodKeys.DefaultContainer] = name;
            }

            containers.Add(sidecar);
        }

        if (options.KafkaSecretName is { Length: > 0 } secretName)
        {
            var volume = new JsonObject
            {
                ["name"] = SidecarContract.KafkaSecretVolume,
                ["secret"] = new JsonObject { ["secretName"] = secretName, ["optional"] = true, ["defaultMode"] = 0x124 },
            };
            if (JsonView.EditArray(spec, "volumes") is { } volumes)
            {
                // A pod that already mounts a volume of that name (its own copy of the Secret) keeps it: two would be refused.
                if (!volumes.Any(v => JsonView.TryGetElement(v, out var existing) && JsonRead.Text(existing, "name") == SidecarContract.KafkaSecretVolume))
                {
                    volumes.Add(volume);
                }
            }
            else
            {
                spec["volumes"] = new JsonArray(volume);
            }
        }

        annotations[PodKeys.Status] = status;
        return desired;
    }

    private (SparseElement Sidecar, string Status) Built(InjectionTarget target)
    {
        if (_built.TryGetValue(target, out var built))
        {
            return built;
        }

        if (_built.Count >= 1024)
        {
            _built.Clear();
        }

        built = (SparseDocument.Parse(Encoding.UTF8.GetBytes(Sidecar(target).ToJsonString()), IndexPaths.All).Root, Status(target));
        _built.TryAdd(target, built);
        return built;
    }

    private string Status(InjectionTarget target) => new JsonObject
    {
        ["version"] = options.Version,
        ["container"] = options.ContainerName,
        ["native"] = target.Native,
    }.ToJsonString(StatusJson.Options);

    private JsonObject Sidecar(InjectionTarget target)
    {
        var env = new JsonArray(
            FieldEnv(SidecarContract.PodName, "metadata.name"),
            FieldEnv(SidecarContract.PodNamespace, "metadata.namespace"),
            FieldEnv(SidecarContract.NodeName, "spec.nodeName"),
            ValueEnv(SidecarContract.Service, target.Service),
            ValueEnv(SidecarContract.ScrapePort, target.MetricsPort.ToString(CultureInfo.InvariantCulture)),
            ValueEnv(SidecarContract.ScrapePath, target.MetricsPath));
        if (options.KafkaBootstrap is { Length: > 0 } bootstrap)
        {
            env.Add(ValueEnv(SidecarContract.KafkaBootstrap, bootstrap));
        }

        foreach (var (name, value) in (options.Environment ?? new Dictionary<string, string>()).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            env.Add(ValueEnv(name, value));
        }

        var requests = new JsonObject { ["cpu"] = options.CpuRequest, ["memory"] = options.MemoryRequest };
        var limits = new JsonObject();
        if (!string.IsNullOrEmpty(options.CpuLimit))
        {
            limits["cpu"] = options.CpuLimit;
        }

        if (!string.IsNullOrEmpty(options.MemoryLimit))
        {
            limits["memory"] = options.MemoryLimit;
        }

        var resources = new JsonObject();
        if (limits.Count > 0)
        {
            resources["limits"] = limits;
        }

        resources["requests"] = requests;
        var sidecar = new JsonObject
        {
            ["name"] = options.ContainerName,
            ["image"] = options.Image,
            ["args"] = new JsonArray(options.EffectiveArgs.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray()),
            ["ports"] = new JsonArray(new JsonObject { ["name"] = SidecarPortName, ["containerPort"] = options.Port, ["protocol"] = "TCP" }),
            ["env"] = env,
            ["resources"] = resources,
            // Liveness only: a readiness probe would make the pod NotReady, and take the app out of its Service,
            // whenever the predictor struggles. The prediction path must never cost the app its traffic.
            ["livenessProbe"] = Probe("/livez", failureThreshold: 6),
            ["terminationMessagePolicy"] = "FallbackToLogsOnError",
            ["imagePullPolicy"] = "IfNotPresent",
            ["securityContext"] = new JsonObject
            {
                ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") },
                ["privileged"] = false,
                ["runAsUser"] = options.RunAsUser,
                ["runAsGroup"] = options.RunAsUser,
                ["runAsNonRoot"] = true,
                ["readOnlyRootFilesystem"] = true,
                ["allowPrivilegeEscalation"] = false,
                ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" },
            },
        };
        if (options.KafkaSecretName is { Length: > 0 })
        {
            sidecar["volumeMounts"] = new JsonArray(new JsonObject
            {
                ["name"] = SidecarContract.KafkaSecretVolume,
                ["mountPath"] = SidecarContract.KafkaSecretMountPath,
                ["readOnly"] = true,
            });
        }

        if (target.Native)
        {
            sidecar["restartPolicy"] = "Always";
        }

        return sidecar;
    }

    private static JsonObject Probe(string path, int failureThreshold) => new()
    {
        ["httpGet"] = new JsonObject { ["path"] = path, ["port"] = SidecarPortName, ["scheme"] = "HTTP" },
        ["timeoutSeconds"] = 1,
        ["periodSeconds"] = 10,
        ["successThreshold"] = 1,
        ["failureThreshold"] = failureThreshold,
    };

    private static JsonObject FieldEnv(string name, string fieldPath) => new()
    {
        ["name"] = name,
        ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["apiVersion"] = "v1", ["fieldPath"] = fieldPath } },
    };

    private static JsonObject ValueEnv(string name, string value) => new() { ["name"] = name, ["value"] = value };

    /// <summary>The object at <paramref name="key"/>, opened for editing, or created empty when missing (the diff then adds it whole).</summary>
    private static JsonObject Child(JsonObject parent, string key)
    {
        if (JsonView.EditObject(parent, key) is { } child)
        {
            return child;
        }

        child = new JsonObject();
        parent[key] = child;
        return child;
    }

    private static class StatusJson
    {
        public static JsonSerializerOptions Options { get; } = ApiServer.Json.ApiMachineryJsonContext.WireOptions(indented: false);
    }
}
