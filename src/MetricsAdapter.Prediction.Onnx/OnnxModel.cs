using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;

namespace MetricsAdapter.Prediction.Onnx;

/// <summary>
/// One model file loaded into one ONNX Runtime session, shared by every service that uses it (a session is safe to
/// run from several threads). Options are pinned: one intra-op and one inter-op thread (the adapter's work is many
/// small batches, and it shares a pod's CPU), sequential execution, the CPU arena and memory patterns on. A file that
/// is missing, not ONNX, of the wrong shape or without its metadata is refused at load with an
/// <see cref="OnnxModelException"/> that says which.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    public const string InputName = "input";
    public const string OutputName = "output";

    private readonly InferenceSession _session;
    private readonly string[] _outputs;

    private OnnxModel(InferenceSession session, OnnxModelMetadata metadata, string path, string fileDigest)
    {
        _session = session;
        Metadata = metadata;
        Path = path;
        FileDigest = fileDigest;
        _outputs = [OutputName];
    }

    public OnnxModelMetadata Metadata { get; }

    public string Path { get; }

    /// <summary>The first 8 hex digits of the file's SHA-256: two files with the same name and version still differ here.</summary>
    public string FileDigest { get; }

    /// <summary>Columns of <c>output</c> per row: the quantiles of a forecaster, the window of a detector.</summary>
    public int OutputColumns => Metadata.Kind == OnnxModelMetadata.Forecaster ? Metadata.Quantiles.Count : Metadata.Window;

    /// <summary>Loads and checks a model file.</summary>
    /// <exception cref="OnnxModelException">The file is refused; the message says why.</exception>
    public static OnnxModel Load(string path, string? expectedKind = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new OnnxModelException($"model file {path} does not exist");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new OnnxModelException($"model file {path} cannot be read: {exception.Message}", exception);
        }

        InferenceSession session;
        var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            EnableCpuMemArena = true,
            EnableMemoryPattern = true,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            session = new InferenceSession(bytes, options);
        }
        catch (OnnxRuntimeException exception)
        {
            throw new OnnxModelException($"model file {path} is not a model ONNX Runtime can load: {exception.Message}", exception);
        }
        finally
        {
            options.Dispose();
        }

        try
        {
            var metadata = OnnxModelMetadata.Parse(session.ModelMetadata.CustomMetadataMap);
            if (expectedKind is not null && metadata.Kind != expectedKind)
            {
                throw new OnnxModelException($"model file {path} is a {metadata.Kind}, not a {expectedKind}");
            }

            CheckShape(session, metadata, path);
            var digest = Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 4));
            var model = new OnnxModel(session, metadata, System.IO.Path.GetFullPath(path), digest);
            model.Probe();
            return model;
        }
        catch (Exception exception)
        {
            session.Dispose();
            if (exception is OnnxModelException)
            {
                throw;
            }

            throw new OnnxModelException($"model file {path} cannot be used: {exception.Message}", exception);
        }
    }

    /// <summary>
    /// Runs <paramref name="batch"/> rows of <see cref="OnnxModelMetadata.Window"/> values (row after row in
    /// <paramref name="rows"/>) and writes <c>output</c>, <see cref="OutputColumns"/> per row, into <paramref name="output"/>.
    /// </summary>
    public void Run(float[] rows, int batch, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        var window = Metadata.Window;
        if (rows.Length < batch * window || output.Length < batch * OutputColumns)
        {
            throw new ArgumentException("rows or output too short for the batch");
        }

        // The input lives in ONNX Runtime's own (aligned) memory, not in a managed array: the CPU kernels take other
        // code paths on other alignments, and the same window must give the same bits every time.
        using var input = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, [batch, window]);
        rows.AsSpan(0, batch * window).CopyTo(input.GetTensorMutableDataAsSpan<float>());
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, [InputName], [input], _outputs);
        // A graph whose output is not [batch, columns] would hand one service's numbers to another: refuse it.
        var shape = results[0].GetTensorTypeAndShape().Shape;
        if (shape.Length != 2 || shape[0] != batch || shape[1] != OutputColumns)
        {
            throw new OnnxModelException($"{Path}: \"{OutputName}\" came back as [{string.Join(", ", shape)}], not [{batch}, {OutputColumns}]");
        }

        results[0].GetTensorDataAsSpan<float>()[..(batch * OutputColumns)].CopyTo(output);
    }

    /// <summary>One run of two rows at load: a graph with a fixed batch size or another output width is refused now, not at a tick.</summary>
    private void Probe()
    {
        var rows = new float[2 * Metadata.Window];
        Array.Fill(rows, 1f);
        try
        {
            Run(rows, 2, new float[2 * OutputColumns]);
        }
        catch (OnnxRuntimeException exception)
        {
            throw new OnnxModelException($"model file {Path} does not run on a batch of two windows (its batch axis must be dynamic): {exception.Message}", exception);
        }
    }

    private static void CheckShape(InferenceSession session, OnnxModelMetadata metadata, string path)
    {
        if (session.InputMetadata.Count != 1 || !session.InputMetadata.TryGetValue(InputName, out var input))
        {
            throw new OnnxModelException($"model file {path} must have one input named \"{InputName}\", not {string.Join(", ", session.InputMetadata.Keys)}");
        }

        CheckTensor(input, InputName, metadata.Window, path);
        if (!session.OutputMetadata.TryGetValue(OutputName, out var output))
        {
            throw new OnnxModelException($"model file {path} has no output named \"{OutputName}\" (it has {string.Join(", ", session.OutputMetadata.Keys)})");
        }

        var columns = metadata.Kind == OnnxModelMetadata.Forecaster ? metadata.Quantiles.Count : metadata.Window;
        CheckTensor(output, OutputName, columns, path);
    }

    /// <summary>A float tensor [batch, <paramref name="columns"/>]; the batch axis may be symbolic.</summary>
    private static void CheckTensor(NodeMetadata tensor, string name, int columns, string path)
    {
        if (!tensor.IsTensor || tensor.ElementType != typeof(float))
        {
            throw new OnnxModelException($"model file {path}: \"{name}\" must be a float tensor");
        }

        var dimensions = tensor.Dimensions;
        if (dimensions.Length != 2 || (dimensions[1] != columns && dimensions[1] > 0))
        {
            throw new OnnxModelException(
                $"model file {path}: \"{name}\" has shape [{string.Join(", ", dimensions)}], the metadata says [batch, {columns}]");
        }
    }

    public void Dispose() => _session.Dispose();
}
