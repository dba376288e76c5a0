using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using MetricsAdapter.Injection.Json;
using static MetricsAdapter.Injection.JsonRead;

namespace MetricsAdapter.Injection.Admission;

/// <summary>The parts of an AdmissionReview request the webhook acts on. The object stays JSON, untouched.</summary>
/// <param name="ApiVersion"><c>admission.k8s.io/v1</c> or <c>admission.k8s.io/v1beta1</c>; the answer uses the same.</param>
/// <param name="Uid">Identifies this call; the answer must carry it back.</param>
/// <param name="Operation">CREATE, UPDATE, DELETE or CONNECT.</param>
/// <param name="Namespace">From <c>request.namespace</c>, which (unlike the object's) the API server has checked.</param>
/// <param name="Name">Often empty at CREATE: controllers use <c>generateName</c>.</param>
/// <param name="Kind">The object's kind (group/version/kind).</param>
/// <param name="Resource">The resource, e.g. <c>pods</c>.</param>
/// <param name="SubResource">Empty unless a subresource was addressed.</param>
/// <param name="DryRun">True for dry-run requests: same answer, no side effects.</param>
/// <param name="Object">The object as sent (read-only, as parsed), or null (DELETE).</param>
public sealed record AdmissionRequest(
    string ApiVersion,
    string Uid,
    string Operation,
    string Namespace,
    string Name,
    GroupVersionKind Kind,
    string Resource,
    string SubResource,
    bool DryRun,
    SparseElement? Object);

public sealed record GroupVersionKind(string Group, string Version, string Kind);

/// <summary>Reads AdmissionReview bodies in <c>admission.k8s.io/v1</c> and <c>v1beta1</c>; every refusal says why.</summary>
public static class AdmissionReviewReader
{
    public const string V1 = "admission.k8s.io/v1";
    public const string V1Beta1 = "admission.k8s.io/v1beta1";

    /// <summary>What the policy and the injector read: the envelope, the pod's metadata maps and its containers.</summary>
    public static IndexPaths ReadPaths { get; } = IndexPaths.Of(
        "request/kind",
        "request/resource",
        "request/object/metadata/annotations",
        "request/object/metadata/labels",
        "request/object/spec/containers/*/ports/*",
        "request/object/spec/initContainers/*/ports/*");

    /// <summary>
    /// Reads an AdmissionReview: validates the whole body and indexes <see cref="ReadPaths"/>. The request's elements
    /// point into <paramref name="document"/>, which reads from <paramref name="body"/>: keep both unchanged until the
    /// request is no longer used, then dispose the document (its index is pooled). Member names are shared through
    /// <paramref name="names"/> when given.
    /// </summary>
    public static bool TryRead(
        System.Buffers.ReadOnlySequence<byte> body,
        MemberNameTable? names,
        [NotNullWhen(true)] out AdmissionRequest? request,
        [NotNullWhen(true)] out SparseDocument? document,
        [NotNullWhen(false)] out string? error)
    {
        request = null;
        document = null;
        try
        {
            document = SparseDocument.Parse(body, ReadPaths, names);
        }
        catch (JsonException exception)
        {
            error = $"the body is not JSON: {exception.Message}";
            return false;
        }

        if (!TryRead(document.Root, out request, out error))
        {
            document.Dispose();
            document = null;
            return false;
        }

        return true;
    }

    private static bool TryRead(SparseElement review, [NotNullWhen(true)] out AdmissionRequest? request, [NotNullWhen(false)] out string? error)
    {
        request = null;

        if (review.ValueKind != JsonValueKind.Object)
        {
            error = "the body must be a JSON object: an AdmissionReview";
            return false;
        }

        var apiVersion = TextEquals(review, "apiVersion", V1) ? V1 : TextEquals(review, "apiVersion", V1Beta1) ? V1Beta1 : null;
        if (apiVersion is null)
        {
            error = $"apiVersion must be {V1} or {V1Beta1}, not \"{Printable(Text(review, "apiVersion"))}\"";
            return false;
        }

        if (!TextEquals(review, "kind", "AdmissionReview"))
        {
            error = $"kind must be AdmissionReview, not \"{Printable(Text(review, "kind"))}\"";
            return false;
        }

        if (Member(review, "request") is not { ValueKind: JsonValueKind.Object } requestNode)
        {
            error = "request is missing: an AdmissionReview sent to a webhook carries request";
            return false;
        }

        var uid = Text(requestNode, "uid");
        if (string.IsNullOrEmpty(uid))
        {
            error = "request.uid is missing: the answer must echo it";
            return false;
        }

        var kind = Member(requestNode, "kind");
        var resource = Member(requestNode, "resource");
        request = new AdmissionRequest(
            apiVersion,
            uid,
            Text(requestNode, "operation") ?? string.Empty,
            Text(requestNode, "namespace") ?? string.Empty,
            Text(requestNode, "name") ?? string.Empty,
            new GroupVersionKind(Text(kind, "group") ?? string.Empty, Text(kind, "version") ?? string.Empty, Text(kind, "kind") ?? string.Empty),
            Text(resource, "resource") ?? string.Empty,
            Text(requestNode, "subResource") ?? string.Empty,
            Member(requestNode, "dryRun") is { ValueKind: JsonValueKind.True },
            Member(requestNode, "object") is { ValueKind: JsonValueKind.Object } pod ? pod : null);
        error = null;
        return true;
    }

    private static string Printable(string? text) => ApiServer.Status.StatusErrors.Printable(text ?? "(missing)");
}

/// <summary>What the webhook answers: allowed or not, with an optional patch, warnings and audit annotations.</summary>
/// <param name="Allowed">Whether the API server may go on with the request.</param>
/// <param name="Patch">The JSON Patch as UTF-8 JSON; empty for none. It may be borrowed: valid while the outcome is.</param>
/// <param name="Warnings">Shown to whoever made the request.</param>
/// <param name="AuditAnnotations">Added to the API server's audit event for this request.</param>
/// <param name="DeniedCode">The HTTP code reported when not allowed.</param>
/// <param name="DeniedMessage">The reason reported when not allowed.</param>
public sealed record AdmissionResponse(
    bool Allowed,
    ReadOnlyMemory<byte> Patch,
    IReadOnlyList<string> Warnings,
    IReadOnlyDictionary<string, string> AuditAnnotations,
    int? DeniedCode = null,
    string? DeniedMessage = null)
{
    /// <summary>Writes the AdmissionReview to send back straight into <paramref name="destination"/> (e.g. the response body).</summary>
    public void WriteReview(System.Buffers.IBufferWriter<byte> destination, AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using (var writer = new Utf8JsonWriter(destination, ApiServer.Json.ApiMachineryJsonContext.WireWriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion", request.ApiVersion);
            writer.WriteString("kind", "AdmissionReview");
            writer.WriteStartObject("response");
            writer.WriteString("uid", request.Uid);
            writer.WriteBoolean("allowed", Allowed);
            if (!Allowed)
            {
                writer.WriteStartObject("status");
                writer.WriteStartObject("metadata");
                writer.WriteEndObject();
                writer.WriteString("status", "Failure");
                writer.WriteString("message", DeniedMessage);
                writer.WriteNumber("code", DeniedCode ?? 403);
                writer.WriteEndObject();
            }

            if (!Patch.IsEmpty)
            {
                writer.WriteString("patchType", "JSONPatch");
                writer.WriteBase64String("patch", Patch.Span);
            }

            if (AuditAnnotations.Count > 0)
            {
                writer.WriteStartObject("auditAnnotations");
                foreach (var (key, value) in AuditAnnotations)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            if (Warnings.Count > 0)
            {
                writer.WriteStartArray("warnings");
                foreach (var warning in Warnings)
                {
                    writer.WriteStringValue(warning);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }
    }
}
