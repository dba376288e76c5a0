using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using MetricsAdapter.Bench.Webhook;
using MetricsAdapter.Injection;
using MetricsAdapter.Injection.Admission;
using MetricsAdapter.Injection.Json;
using MetricsAdapter.Injection.Mutation;
using MetricsAdapter.Injection.Patch;
using MetricsAdapter.Injection.Policy;
using MetricsAdapter.Injection.Webhook;

MetricsAdapter.Bench.InProcessBenchmarks.Run(typeof(ReviewStageBenchmarks), args);

namespace MetricsAdapter.Bench.Webhook
{
/// <summary>
/// The stages of one review of the bench-webhook body (samples/admission-review.json), each on its own, with the
/// same default configuration the server uses; <see cref="WholeReview"/> is all of them plus writing the answer.
/// </summary>
[MemoryDiagnoser]
public class ReviewStageBenchmarks
{
    private readonly ArrayBufferWriter<byte> _answer = new(16384);
    private readonly MemberNameTable _names = new();
    private byte[] _body = [];
    private SidecarInjectionWebhook _webhook = null!;
    private InjectionPolicy _policy = null!;
    private SidecarInjector _injector = null!;
    private AdmissionRequest _request = null!;
    private SparseDocument _document = null!;
    private InjectionTarget _target = null!;
    private IReadOnlyList<JsonPatchOperation> _operations = [];

    [GlobalSetup]
    public void Setup()
    {
        _body = File.ReadAllBytes(SampleReview());
        var options = new InjectionOptions();
        _policy = new InjectionPolicy(options);
        _injector = new SidecarInjector(options);
        _webhook = new SidecarInjectionWebhook(_policy, _injector, options, _names);
        if (!AdmissionReviewReader.TryRead(new ReadOnlySequence<byte>(_body), _names, out var request, out var document, out var error))
        {
            throw new InvalidOperationException($"the sample review does not read: {error}");
        }

        (_request, _document) = (request, document);
        _target = _policy.Decide(_request).Target ?? throw new InvalidOperationException("the sample pod is not injected");
        _operations = JsonPatch.Diff(JsonView.Wrap(_request.Object!.Value), _injector.Inject(_request.Object!.Value, _target));
    }

    [GlobalCleanup]
    public void Cleanup() => _document.Dispose();

    [Benchmark(Baseline = true, Description = "whole review + answer")]
    public int WholeReview()
    {
        using var outcome = _webhook.Review(new ReadOnlySequence<byte>(_body), ReviewDeadline.None);
        _answer.ResetWrittenCount();
        outcome.Response!.WriteReview(_answer, outcome.Request!);
        return _answer.WrittenCount;
    }

    [Benchmark(Description = "parse + read envelope")]
    public bool Parse()
    {
        var read = AdmissionReviewReader.TryRead(new ReadOnlySequence<byte>(_body), _names, out _, out var document, out _);
        document?.Dispose();
        return read;
    }

    [Benchmark(Description = "SparseDocument.Parse alone (review paths)")]
    public int SparseOnly()
    {
        using var document = SparseDocument.Parse(_body, AdmissionReviewReader.ReadPaths);
        return (int)document.Root.ValueKind;
    }

    [Benchmark(Description = "JsonDocument.Parse alone (for comparison)")]
    public int DocumentOnly()
    {
        using var document = JsonDocument.Parse(_body);
        return (int)document.RootElement.ValueKind;
    }

    [Benchmark(Description = "Utf8JsonReader pass (floor)")]
    public int ReaderPass()
    {
        var reader = new Utf8JsonReader(_body);
        var tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }

        return tokens;
    }

    [Benchmark(Description = "policy")]
    public InjectionDecision Decide() => _policy.Decide(_request);

    [Benchmark(Description = "inject + diff")]
    public int InjectAndDiff() =>
        JsonPatch.Diff(JsonView.Wrap(_request.Object!.Value), _injector.Inject(_request.Object!.Value, _target)).Count;

    [Benchmark(Description = "serialise patch")]
    public long SerializePatch()
    {
        using var patch = new PooledBufferWriter(4096);
        JsonPatch.Serialize(_operations, patch);
        return patch.WrittenMemory.Length;
    }

    private static string SampleReview()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "samples", "admission-review.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("run from the repository: samples/admission-review.json was not found above the current directory");
    }
}
}
