using MetricsAdapter.Prediction.Evaluation;

namespace MetricsAdapter.Simulation.Replay;

/// <summary>
/// A trace as a load: each row's count over its interval is a rate at the interval's middle, linearly interpolated
/// between rows; where rows are missing for more than two intervals the load is 0 (the service was down, as in the
/// NASA trace's August outage). Scaled so that its peak needs <see cref="SimulationParameters.PeakPods"/> pods at the
/// target utilisation.
/// </summary>
public sealed class TraceLoad
{
    private readonly double[] _times;
    private readonly double[] _rates;
    private readonly double _gap;

    public TraceLoad(TimeSeries series, SimulationParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(parameters);
        Name = series.Name;
        Interval = series.Interval();
        Start = series.Timestamps[0];
        var limit = Start + parameters.MaxDuration;
        var rows = Enumerable.Range(0, series.Count).Where(i => series.Timestamps[i] < limit).ToList();
        _times = rows.Select(i => (series.Timestamps[i] - Start + (Interval / 2)).TotalSeconds).ToArray();
        var raw = rows.Select(i => Math.Max(0, series.Values[i]) / Interval.TotalSeconds).ToArray();
        _gap = 2 * Interval.TotalSeconds;
        var peak = raw.Length == 0 ? 0 : raw.Max();
        if (!(peak > 0))
        {
            throw new InvalidDataException($"{series.Name}: the trace has no load");
        }

        Scale = parameters.PeakPods * parameters.PodCapacity * parameters.TargetUtilization / peak;
        _rates = raw.Select(r => r * Scale).ToArray();
        Duration = TimeSpan.FromSeconds(_times[^1]) + (Interval / 2);
        Truncated = rows.Count < series.Count;
    }

    public string Name { get; }

    public DateTimeOffset Start { get; }

    public TimeSpan Interval { get; }

    public TimeSpan Duration { get; }

    /// <summary>Requests per second of the simulation per request of the trace per second.</summary>
    public double Scale { get; }

    /// <summary>Whether the trace was cut at <see cref="SimulationParameters.MaxDuration"/>.</summary>
    public bool Truncated { get; }

    /// <summary>The scaled load in requests per second at <paramref name="at"/> from the trace's start.</summary>
    public double Rate(TimeSpan at)
    {
        var t = at.TotalSeconds;
        if (t <= _times[0])
        {
            return _rates[0];
        }

        if (t >= _times[^1])
        {
            return _rates[^1];
        }

        var i = Array.BinarySearch(_times, t);
        if (i >= 0)
        {
            return _rates[i];
        }

        var next = ~i;
        var (t0, t1) = (_times[next - 1], _times[next]);
        if (t1 - t0 > _gap)
        {
            return t - t0 <= Interval.TotalSeconds / 2 ? _rates[next - 1] : t1 - t <= Interval.TotalSeconds / 2 ? _rates[next] : 0;
        }

        return _rates[next - 1] + ((_rates[next] - _rates[next - 1]) * (t - t0) / (t1 - t0));
    }
}
