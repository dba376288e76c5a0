using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace MetricsAdapter.Testing;

/// <summary>An <see cref="IMeterFactory"/> for tests: each meter it creates is new and disposed with the factory.</summary>
public sealed class TestMeterFactory : IMeterFactory
{
    private readonly ConcurrentBag<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }
    }
}

/// <summary>Sums what the instruments of one <see cref="TestMeterFactory"/> recorded, by instrument name and tags.</summary>
public sealed class MeasurementRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _totals = new(StringComparer.Ordinal);

    public MeasurementRecorder(IMeterFactory scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, scope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The sum of <paramref name="instrument"/>'s measurements whose tags include every pair of <paramref name="tags"/>.</summary>
    public double Total(string instrument, params (string Key, string Value)[] tags) =>
        _totals.Where(pair => pair.Key.StartsWith(instrument + "|", StringComparison.Ordinal)
                && tags.All(tag => pair.Key.Contains($"|{tag.Key}={tag.Value}|", StringComparison.Ordinal)))
            .Sum(pair => pair.Value);

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = new System.Text.StringBuilder(instrument.Name).Append('|');
        foreach (var tag in tags)
        {
            key.Append(tag.Key).Append('=').Append(tag.Value).Append('|');
        }

        _totals.AddOrUpdate(key.ToString(), value, (_, total) => total + value);
    }
}
