using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Onnx.Tests;

public sealed class OnnxForecasterTests : IDisposable
{
    private readonly OnnxModel _model = OnnxModel.Load(ShippedModels.Forecaster, OnnxModelMetadata.Forecaster);

    public void Dispose() => _model.Dispose();

    private static IEnumerable<double> Load(double scale) =>
        Enumerable.Range(0, 200).Select(i => scale * (100 + (30 * Math.Sin(i * 2 * Math.PI / 50)) + (5 * Math.Cos(i * 0.9))));

    [Fact]
    public void Forecast_ServicesOfVeryDifferentScale_ScaleWithThem()
    {
        var batcher = new OnnxForecastBatcher(_model);
        var small = new OnnxForecaster(batcher);
        var large = new OnnxForecaster(batcher);
        foreach (var (a, b) in Load(1).Zip(Load(1000)))
        {
            small.Learn(a);
            large.Learn(b);
        }

        var (s, l) = (small.Forecast(2), large.Forecast(2));

        Assert.True(s.Point > 0);
        Assert.Equal(s.Point * 1000, l.Point, s.Point * 1000 * 1e-4);
        Assert.Equal(s.Upper * 1000, l.Upper, s.Upper * 1000 * 1e-4);
        Assert.True(l.Upper >= l.Point);
    }

    [Fact]
    public void Forecast_ManyServicesOnOneTick_RunAsOneBatchWithTheSameResultsAsAlone()
    {
        var batcher = new OnnxForecastBatcher(_model);
        var forecasters = Enumerable.Range(0, 100).Select(_ => new OnnxForecaster(batcher)).ToList();
        for (var i = 0; i < forecasters.Count; i++)
        {
            foreach (var value in Load(i + 1))
            {
                forecasters[i].Learn(value);
            }
        }

        var batched = forecasters.Select(f => f.Forecast(2)).ToList();

        Assert.Equal(1, batcher.Batches);
        Assert.Equal(100, batcher.Rows);
        var alone = new OnnxForecaster(new OnnxForecastBatcher(_model));
        foreach (var value in Load(42))
        {
            alone.Learn(value);
        }

        Assert.Equal(alone.Forecast(2), batched[41]);
    }

    [Fact]
    public void Forecast_BeforeAnyObservation_IsZero_AndWarmWhenTheWindowIsFull()
    {
        var forecaster = new OnnxForecaster(new OnnxForecastBatcher(_model));
        Assert.Equal(new Forecasting.Forecast(0, 0), forecaster.Forecast(2));

        foreach (var value in Load(1).Take(31))
        {
            forecaster.Learn(value);
        }

        Assert.False(forecaster.IsWarm);
        Assert.True(double.IsFinite(forecaster.Forecast(2).Point));
        forecaster.Learn(100);
        Assert.True(forecaster.IsWarm);
    }

    [Fact]
    public void Learn_NonFiniteValue_IsAMissingStep_AndForecastsStayFinite()
    {
        var forecaster = new OnnxForecaster(new OnnxForecastBatcher(_model));
        foreach (var value in Load(1).Take(40))
        {
            forecaster.Learn(value);
        }

        forecaster.Learn(double.NaN);
        forecaster.Learn(double.PositiveInfinity);

        Assert.Equal(42, forecaster.Observations);
        var forecast = forecaster.Forecast(2);
        Assert.True(double.IsFinite(forecast.Point) && double.IsFinite(forecast.Upper));
    }

    [Fact]
    public void Forecast_ShorterHorizon_LiesBetweenTheLastValueAndTheModelsForecast()
    {
        var forecaster = new OnnxForecaster(new OnnxForecastBatcher(_model));
        foreach (var value in Load(1))
        {
            forecaster.Learn(value);
        }

        var one = forecaster.Forecast(1);
        var two = forecaster.Forecast(2);
        var last = Load(1).Last();

        Assert.Equal((last + two.Point) / 2, one.Point, 1e-9);
        Assert.Equal(two, forecaster.Forecast(10));
    }

    [Fact]
    public void Restore_Snapshot_ForecastsExactlyAsTheOriginal()
    {
        var batcher = new OnnxForecastBatcher(_model);
        var original = new OnnxForecaster(batcher);
        foreach (var value in Load(3))
        {
            original.Learn(value);
        }

        var copy = new OnnxForecaster(batcher);
        copy.Restore(original.Snapshot());

        Assert.Equal(original.Forecast(2), copy.Forecast(2));
        Assert.Equal(original.Observations, copy.Observations);
        Assert.Equal("onnx-window:32", original.StateKey);
    }
}
