using System.Text.Json.Nodes;
using MetricsAdapter.ExternalMetrics.Provider;

namespace MetricsAdapter.ExternalMetrics.OpenApi;

/// <summary>
/// The schemas of what we serve, under the definition names Kubernetes uses, written once for both OpenAPI
/// dialects: Swagger 2.0 refers to <c>#/definitions/</c>, OpenAPI 3.0 to <c>#/components/schemas/</c>.
/// </summary>
internal static class OpenApiSchemas
{
    private const string MetaV1 = "io.k8s.apimachinery.pkg.apis.meta.v1.";
    private const string ValueList = "io.k8s.metrics.pkg.apis.external_metrics.v1beta1.ExternalMetricValueList";
    private const string Value = "io.k8s.metrics.pkg.apis.external_metrics.v1beta1.ExternalMetricValue";
    private const string Quantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";
    private const string ListOperationId = "listExternalMetricsV1beta1NamespacedMetricValue";

    private static string Version =>
        Core.BuildVersion.Semantic;

    public static JsonObject SwaggerV2(IReadOnlyList<ExternalMetricInfo> metrics)
    {
        const string Ref = "#/definitions/";
        return new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = Info(),
            ["paths"] = Paths(metrics, Ref, v3: false),
            ["definitions"] = Definitions(Ref),
        };
    }

    public static JsonObject OpenApiV3(IReadOnlyList<ExternalMetricInfo> metrics)
    {
        const string Ref = "#/components/schemas/";
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = Info(),
            ["paths"] = Paths(metrics, Ref, v3: true),
            ["components"] = new JsonObject { ["schemas"] = Definitions(Ref) },
        };
    }

    private static JsonObject Info() => new()
    {
        ["title"] = "MetricsAdapter external metrics",
        ["description"] = "Forecast-driven external metrics for the HorizontalPodAutoscaler.",
        ["version"] = Version,
    };

    private static JsonObject Paths(IReadOnlyList<ExternalMetricInfo> metrics, string @ref, bool v3)
    {
        var metricNames = new JsonArray(metrics.Select(m => (JsonNode)JsonValue.Create(m.Name)!).ToArray());
        var metricDescription = "the metric's name: " + (metrics.Count == 0
            ? "no metric is served"
            : string.Join("; ", metrics.Select(m => $"{m.Name}: {m.Description}")));
        return new JsonObject
        {
            ["/apis/"] = Get("getAPIVersions", "get available API versions", MetaV1 + "APIGroupList", @ref, v3, []),
            ["/apis/" + ExternalMetricsApi.Group + "/"] =
                Get("getExternalMetricsAPIGroup", "get information of a group", MetaV1 + "APIGroup", @ref, v3, []),
            ["/apis/" + ExternalMetricsApi.GroupVersion + "/"] =
                Get("getExternalMetricsV1beta1APIResources", "get available resources", MetaV1 + "APIResourceList", @ref, v3, []),
            ["/apis/" + ExternalMetricsApi.GroupVersion + "/namespaces/{namespace}/{metric}"] = Merge(
                Get(
                    ListOperationId,
                    "list the current values of an external metric in a namespace, filtered by label selector",
                    ValueList,
                    @ref,
                    v3,
                    [
                        Parameter("labelSelector", "query", "A Kubernetes label selector over the series' labels, e.g. service=checkout. Absent selects every series.", required: false, v3),
                        Parameter("pretty", "query", "If 'true', the output is indented.", required: false, v3),
                    ],
                    listAction: true),
                new JsonObject
                {
                    ["parameters"] = new JsonArray(
                        Parameter("namespace", "path", "object name and auth scope, such as for teams and projects", required: true, v3),
                        Parameter("metric", "path", metricDescription, required: true, v3, metricNames)),
                }),
        };
    }

    private static JsonObject Get(
        string operationId,
        string description,
        string schema,
        string @ref,
        bool v3,
        JsonNode[] parameters,
        bool listAction = false)
    {
        var operation = new JsonObject
        {
            ["description"] = description,
            ["operationId"] = operationId,
            ["tags"] = new JsonArray("externalMetrics_" + ExternalMetricsApi.Version),
        };
        if (!v3)
        {
            operation["consumes"] = new JsonArray("application/json");
            operation["produces"] = new JsonArray("application/json");
            operation["schemes"] = new JsonArray("https");
        }

        if (parameters.Length > 0)
        {
            operation["parameters"] = new JsonArray(parameters);
        }

        var responses = new JsonObject { ["200"] = Response("OK", schema, @ref, v3) };
        if (listAction)
        {
            responses["400"] = Response("Bad Request: invalid namespace, selector or query parameter", MetaV1 + "Status", @ref, v3);
            responses["404"] = Response("Not Found: the metric is not served", MetaV1 + "Status", @ref, v3);
            operation["x-kubernetes-action"] = "list";
            operation["x-kubernetes-group-version-kind"] = new JsonObject
            {
                ["group"] = ExternalMetricsApi.Group,
                ["version"] = ExternalMetricsApi.Version,
                ["kind"] = ExternalMetricsApi.ListKind,
            };
        }

        responses["401"] = new JsonObject { ["description"] = "Unauthorized" };
        responses["403"] = Response("Forbidden", MetaV1 + "Status", @ref, v3);
        operation["responses"] = responses;
        return new JsonObject { ["get"] = operation };
    }

    private static JsonObject Response(string description, string schema, string @ref, bool v3) => v3
        ? new JsonObject
        {
            ["description"] = description,
            ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = RefTo(@ref, schema) } },
        }
        : new JsonObject { ["description"] = description, ["schema"] = RefTo(@ref, schema) };

    private static JsonObject Parameter(string name, string @in, string description, bool required, bool v3, JsonArray? values = null)
    {
        var schema = new JsonObject { ["type"] = "string" };
        if (values is not null)
        {
            schema["enum"] = values;
        }

        var parameter = new JsonObject
        {
            ["name"] = name,
            ["in"] = @in,
            ["description"] = description,
            ["required"] = required,
        };
        if (v3)
        {
            parameter["schema"] = schema;
        }
        else
        {
            foreach (var (key, value) in schema.ToArray())
            {
                schema.Remove(key);
                parameter[key] = value;
            }

            parameter["uniqueItems"] = true;
        }

        return parameter;
    }

    private static JsonObject Merge(JsonObject first, JsonObject second)
    {
        foreach (var (key, value) in second.ToArray())
        {
            second.Remove(key);
            first[key] = value;
        }

        return first;
    }

    private static JsonObject RefTo(string @ref, string name) => new() { ["$ref"] = @ref + name };

    private static JsonObject Definitions(string @ref) => new()
    {
        [ValueList] = WithGroupVersionKind(Object(
            "ExternalMetricValueList is a list of values for a given metric for some set labels",
            ["items", "metadata"],
            ("apiVersion", String("APIVersion defines the versioned schema of this representation of an object.")),
            ("items", Array("value of the metric matching a given set of labels", RefTo(@ref, Value))),
            ("kind", String("Kind is a string value representing the REST resource this object represents.")),
            ("metadata", Described(RefTo(@ref, MetaV1 + "ListMeta"), "Standard list metadata."))), ExternalMetricsApi.ListKind),
        [Value] = Object(
            "ExternalMetricValue is a metric value for external metric. A single metric value is identified by metric name and a set of string labels. For one metric there can be multiple values with different sets of labels.",
            ["metricName", "metricLabels", "timestamp", "value"],
            ("metricName", String("the name of the metric")),
            ("metricLabels", new JsonObject
            {
                ["description"] = "a set of labels that identify a single time series for the metric",
                ["type"] = "object",
                ["additionalProperties"] = new JsonObject { ["type"] = "string", ["default"] = "" },
            }),
            ("timestamp", Described(RefTo(@ref, MetaV1 + "Time"), "indicates the time at which the metrics were produced")),
            ("window", new JsonObject { ["description"] = "indicates the window ([Timestamp-Window, Timestamp]) from which these metrics were calculated, in seconds", ["type"] = "integer", ["format"] = "int64" }),
            ("value", Described(RefTo(@ref, Quantity), "the value of the metric"))),
        [Quantity] = new JsonObject
        {
            ["description"] = "Quantity is a fixed-point representation of a number, serialized as a string in the Kubernetes canonical form (e.g. 1500m, 2k, 1536Mi).",
            ["type"] = "string",
        },
        [MetaV1 + "Time"] = new JsonObject
        {
            ["description"] = "Time is RFC 3339 in UTC with whole seconds.",
            ["type"] = "string",
            ["format"] = "date-time",
        },
        [MetaV1 + "ListMeta"] = Object(
            "ListMeta describes metadata that synthetic resources must have, including lists.",
            [],
            ("continue", String("continue may be set if the user set a limit on the number of items returned.")),
            ("resourceVersion", String("String that identifies the server's internal version of this object."))),
        [MetaV1 + "Status"] = WithGroupVersionKind(Object(
            "Status is a return value for calls that don't return other objects.",
            [],
            ("apiVersion", String("APIVersion defines the versioned schema of this representation of an object.")),
            ("code", new JsonObject { ["description"] = "Suggested HTTP return code for this status, 0 if not set.", ["type"] = "integer", ["format"] = "int32" }),
            ("details", Described(RefTo(@ref, MetaV1 + "StatusDetails"), "Extended data associated with the reason.")),
            ("kind", String("Kind is a string value representing the REST resource this object represents.")),
            ("message", String("A human-readable description of the status of this operation.")),
            ("metadata", Described(RefTo(@ref, MetaV1 + "ListMeta"), "Standard list metadata.")),
            ("reason", String("A machine-readable description of why this operation is in the \"Failure\" status.")),
            ("status", String("Status of the operation. One of: \"Success\" or \"Failure\"."))), "Status", group: "", version: "v1"),
        [MetaV1 + "StatusDetails"] = Object(
            "StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.",
            [],
            ("causes", Array("The Causes array includes more details associated with the StatusReason failure.", RefTo(@ref, MetaV1 + "StatusCause"))),
            ("group", String("The group attribute of the resource associated with the status StatusReason.")),
            ("kind", String("The kind attribute of the resource associated with the status StatusReason.")),
            ("name", String("The name attribute of the resource associated with the status StatusReason.")),
            ("retryAfterSeconds", new JsonObject { ["description"] = "If specified, the time in seconds before the operation should be retried.", ["type"] = "integer", ["format"] = "int32" })),
        [MetaV1 + "StatusCause"] = Object(
            "StatusCause provides more information about an api.Status failure.",
            [],
            ("field", String("The field of the resource that has caused this error, as named by its JSON serialization.")),
            ("message", String("A human-readable description of the cause of the error.")),
            ("reason", String("A machine-readable description of the cause of the error."))),
        [MetaV1 + "APIGroupList"] = Object(
            "APIGroupList is a list of APIGroup, to allow clients to discover the API at /apis.",
            ["groups"],
            ("apiVersion", String("APIVersion defines the versioned schema of this representation of an object.")),
            ("groups", Array("groups is a list of APIGroup.", RefTo(@ref, MetaV1 + "APIGroup"))),
            ("kind", String("Kind is a string value representing the REST resource this object represents."))),
        [MetaV1 + "APIGroup"] = Object(
            "APIGroup contains the name, the supported versions, and the preferred version of a group.",
            ["name", "versions"],
            ("apiVersion", String("APIVersion defines the versioned schema of this representation of an object.")),
            ("kind", String("Kind is a string value representing the REST resource this object represents.")),
            ("name", String("name is the name of the group.")),
            ("preferredVersion", Described(RefTo(@ref, MetaV1 + "GroupVersionForDiscovery"), "preferredVersion is the version preferred by the API server.")),
            ("versions", Array("versions are the versions supported in this group.", RefTo(@ref, MetaV1 + "GroupVersionForDiscovery")))),
        [MetaV1 + "GroupVersionForDiscovery"] = Object(
            "GroupVersion contains the \"group/version\" and \"version\" string of a version.",
            ["groupVersion", "version"],
            ("groupVersion", String("groupVersion specifies the API group and version in the form \"group/version\"")),
            ("version", String("version specifies the version in the form of \"version\"."))),
        [MetaV1 + "APIResourceList"] = Object(
            "APIResourceList is a list of APIResource, it is used to expose the name of the resources supported in a specific group and version.",
            ["groupVersion", "resources"],
            ("apiVersion", String("APIVersion defines the versioned schema of this representation of an object.")),
            ("groupVersion", String("groupVersion is the group and version this APIResourceList is for.")),
            ("kind", String("Kind is a string value representing the REST resource this object represents.")),
            ("resources", Array("resources contains the name of the resources and if they are namespaced.", RefTo(@ref, MetaV1 + "APIResource")))),
        [MetaV1 + "APIResource"] = Object(
            "APIResource specifies the name of a resource and whether it is namespaced.",
            ["name", "singularName", "namespaced", "kind", "verbs"],
            ("kind", String("kind is the kind for the resource.")),
            ("name", String("name is the plural name of the resource.")),
            ("namespaced", new JsonObject { ["description"] = "namespaced indicates if a resource is namespaced or not.", ["type"] = "boolean" }),
            ("singularName", String("singularName is the singular name of the resource.")),
            ("verbs", Array("verbs is a list of supported kube verbs.", new JsonObject { ["type"] = "string" }))),
    };

    private static JsonObject Object(string description, string[] required, params (string Name, JsonNode Schema)[] properties)
    {
        var schema = new JsonObject { ["description"] = description, ["type"] = "object" };
        if (required.Length > 0)
        {
            schema["required"] = new JsonArray(required.Select(r => (JsonNode)JsonValue.Create(r)!).ToArray());
        }

        var props = new JsonObject();
        foreach (var (name, property) in properties)
        {
            props[name] = property;
        }

        schema["properties"] = props;
        return schema;
    }

    private static JsonObject String(string description) => new() { ["description"] = description, ["type"] = "string" };

    private static JsonObject Array(string description, JsonNode items) => new()
    {
        ["description"] = description,
        ["type"] = "array",
        ["items"] = items,
    };

    /// <summary>A <c>$ref</c> cannot carry siblings in OpenAPI 3.0, so a described reference is an <c>allOf</c>.</summary>
    private static JsonObject Described(JsonObject reference, string description) => new()
    {
        ["description"] = description,
        ["allOf"] = new JsonArray(reference),
    };

    private static JsonObject WithGroupVersionKind(JsonObject schema, string kind, string group = ExternalMetricsApi.Group, string version = ExternalMetricsApi.Version)
    {
        schema["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject
        {
            ["group"] = group,
            ["kind"] = kind,
            ["version"] = version,
        });
        return schema;
    }
}
