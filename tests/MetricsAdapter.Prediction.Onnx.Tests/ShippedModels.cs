using System.Text.Json.Nodes;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Prediction.Onnx.Tests;

/// <summary>The example models in tools/training/models, their reference outputs, and copies edited for refusal cases.</summary>
internal static class ShippedModels
{
    public static string Directory => Path.Combine(SharedData.RepositoryRoot, "tools", "training", "models");

    public static string Forecaster => Path.Combine(Directory, "forecaster-lstm.onnx");

    public static string Detector => Path.Combine(Directory, "detector-autoencoder.onnx");

    /// <summary>A reference file: the fixed input rows, PyTorch's outputs by name, and the relative tolerance.</summary>
    public static (float[][] Inputs, Dictionary<string, JsonArray> Outputs, double Tolerance) Reference(string path)
    {
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        var inputs = json["inputs"]!.AsArray().Select(row => row!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray()).ToArray();
        var outputs = json["outputs"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.AsArray(), StringComparer.Ordinal);
        return (inputs, outputs, json["tolerance"]!.GetValue<double>());
    }

    /// <summary>A copy of <paramref name="source"/> with one byte sequence replaced by another of the same length (protobuf lengths stay valid).</summary>
    public static string EditedCopy(string source, string directory, byte[] find, byte[] replace)
    {
        Assert.Equal(find.Length, replace.Length);
        var bytes = File.ReadAllBytes(source);
        var at = bytes.AsSpan().IndexOf(find);
        Assert.True(at >= 0, "the byte sequence to edit is not in the model file");
        replace.CopyTo(bytes, at);
        var path = Path.Combine(directory, Path.GetFileName(source));
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
