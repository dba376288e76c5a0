using System.Text;
using MetricsAdapter.Testing;

namespace MetricsAdapter.Prediction.Onnx.Tests;

public sealed class OnnxModelTests
{
    [Theory]
    [InlineData("forecaster-lstm")]
    [InlineData("detector-autoencoder")]
    public void Run_ShippedModelOnItsReferenceInputs_MatchesPyTorch(string name)
    {
        using var model = OnnxModel.Load(Path.Combine(ShippedModels.Directory, name + ".onnx"));
        var (inputs, outputs, tolerance) = ShippedModels.Reference(Path.Combine(ShippedModels.Directory, name + ".reference.json"));

        AssertMatches(model, inputs, outputs["output"], tolerance);
    }

    [Fact]
    public async Task Run_ModelTrainedHereAndNow_MatchesPyTorchWithin1e5()
    {
        // The whole path, on this machine: train a tiny model with Debian's torch, export it, and compare ONNX Runtime
        // with PyTorch on the reference script's inputs.
        using var directory = new TemporaryDirectory();
        var data = Path.Combine(directory.Path, "series.csv");
        var csv = new StringBuilder("timestamp,value\n");
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 600; i++)
        {
            var value = 100 + (40 * Math.Sin(i * 2 * Math.PI / 60)) + (7 * Math.Sin(i * 0.37));
            csv.Append(start.AddMinutes(i).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)).Append(',')
               .Append(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        await File.WriteAllTextAsync(data, csv.ToString());
        var model = Path.Combine(directory.Path, "tiny.onnx");
        var state = Path.Combine(directory.Path, "tiny.pt");
        var reference = Path.Combine(directory.Path, "tiny.reference.json");
        var scripts = Path.Combine(SharedData.RepositoryRoot, "tools", "training");
        var train = await ProcessRunner.RunAsync("/usr/bin/python3",
            [Path.Combine(scripts, "train.py"), "forecaster", "--data", data, "--out", model, "--state", state, "--window", "16", "--horizon", "2", "--epochs", "2", "--hidden", "8", "--seed", "3"],
            TimeSpan.FromMinutes(5));
        Assert.True(train.ExitCode == 0, train.Output);
        var refer = await ProcessRunner.RunAsync("/usr/bin/python3",
            [Path.Combine(scripts, "reference.py"), "--model", model, "--state", state, "--out", reference, "--rows", "8", "--seed", "5"],
            TimeSpan.FromMinutes(5));
        Assert.True(refer.ExitCode == 0, refer.Output);

        using var loaded = OnnxModel.Load(model, OnnxModelMetadata.Forecaster);
        var (inputs, outputs, tolerance) = ShippedModels.Reference(reference);
        Assert.Equal(16, loaded.Metadata.Window);
        Assert.Equal(2, loaded.Metadata.Horizon);
        Assert.True(tolerance <= 1e-5);
        AssertMatches(loaded, inputs, outputs["output"], tolerance);
    }

    [Fact]
    public void Load_ShippedForecaster_ReadsItsMetadata()
    {
        using var model = OnnxModel.Load(ShippedModels.Forecaster);

        Assert.Equal(OnnxModelMetadata.Forecaster, model.Metadata.Kind);
        Assert.Equal("forecaster-lstm", model.Metadata.Name);
        Assert.Equal(32, model.Metadata.Window);
        Assert.Equal(2, model.Metadata.Horizon);
        Assert.Equal(60, model.Metadata.StepSeconds);
        Assert.Equal([0.5, 0.9], model.Metadata.Quantiles);
        Assert.Equal("window-mean-abs-v1", model.Metadata.Normalisation);
        Assert.Equal(64, model.Metadata.TrainingDataSha256.Length);
        Assert.Equal(8, model.FileDigest.Length);
    }

    [Fact]
    public void Load_MissingFile_IsRefusedSayingSo()
    {
        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.Load("/nonexistent/model.onnx"));
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CorruptFile_IsRefusedSayingSo()
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "corrupt.onnx");
        var bytes = File.ReadAllBytes(ShippedModels.Forecaster)[..200];
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.Load(path));
        Assert.Contains("not a model ONNX Runtime can load", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithoutItsMetadata_IsRefusedNamingTheKey()
    {
        using var directory = new TemporaryDirectory();
        var path = ShippedModels.EditedCopy(ShippedModels.Forecaster, directory.Path, "metrics-adapter.window"u8.ToArray(), "metrics-adapter.wXndow"u8.ToArray());

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.Load(path));
        Assert.Contains("metrics-adapter.window is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MetadataDisagreesWithTheTensorShape_IsRefused()
    {
        using var directory = new TemporaryDirectory();
        var path = ShippedModels.EditedCopy(ShippedModels.Forecaster, directory.Path,
            [.. "metrics-adapter.window"u8, 0x12, 0x02, (byte)'3', (byte)'2'], [.. "metrics-adapter.window"u8, 0x12, 0x02, (byte)'3', (byte)'1']);

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.Load(path));
        Assert.Contains("the metadata says [batch, 31]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DetectorWhereAForecasterIsExpected_IsRefused()
    {
        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.Load(ShippedModels.Detector, OnnxModelMetadata.Forecaster));
        Assert.Contains("is a detector, not a forecaster", error.Message, StringComparison.Ordinal);
    }

    private static void AssertMatches(OnnxModel model, float[][] inputs, System.Text.Json.Nodes.JsonArray expected, double tolerance)
    {
        var rows = inputs.SelectMany(r => r).ToArray();
        var actual = new float[inputs.Length * model.OutputColumns];
        model.Run(rows, inputs.Length, actual);
        for (var row = 0; row < inputs.Length; row++)
        {
            var want = expected[row]!.AsArray();
            Assert.Equal(model.OutputColumns, want.Count);
            for (var column = 0; column < want.Count; column++)
            {
                var value = want[column]!.GetValue<double>();
                var got = actual[(row * model.OutputColumns) + column];
                Assert.True(Math.Abs(got - value) <= tolerance * Math.Max(1, Math.Abs(value)),
                    $"row {row}, column {column}: ONNX Runtime {got}, PyTorch {value}");
            }
        }
    }
}
