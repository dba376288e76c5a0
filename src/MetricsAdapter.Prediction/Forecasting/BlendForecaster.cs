using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Forecasting;

/// <summary>
/// Online model averaging: every member forecasts; each member's recent absolute error at the blend's horizon is
/// tracked as an EWMA (rate λ), and members are weighted by exp(−η·(error/best error − 1)). Before any error is
/// known the weights are equal. So the blend follows whichever member has lately been right: heavy smoothing for a
/// bursty service, trend for a ramping one, seasonality for a diurnal one, without anyone choosing in advance.
/// </summary>
public sealed class BlendForecaster : IForecaster
{
    private readonly IForecaster[] _members;
    private readonly int _horizon;
    private readonly double _lambda;
    private readonly double _eta;
    private readonly Queue<double[]> _issued = new();
    private double[]? _errors;

    // Derived from _errors, recomputed whenever they change: forecasts read it, often twice per step.
    private double[] _weights;

    // The newest of _issued (Queue has no cheap access to its tail).
    private double[]? _latest;

    public BlendForecaster(IReadOnlyList<IForecaster> members, int horizon, double lambda = 0.05, double eta = 20)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentOutOfRangeException.ThrowIfLessThan(members.Count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        _members = [.. members];
        (_horizon, _lambda, _eta) = (horizon, lambda, eta);
        _weights = ComputeWeights();
    }

    public string Name => "blend";

    public string StateKey => $"blend(h={_horizon},lambda={_lambda},eta={_eta})[{string.Join(",", _members.Select(m => m.StateKey))}]";

    public long Observations { get; private set; }

    /// <summary>Warm once member errors have been measured, i.e. after horizon + 1 observations.</summary>
    public bool IsWarm => _errors is not null;

    /// <summary>The members' current weights, summing to 1 (for explaining a forecast).</summary>
    public IReadOnlyList<(string Member, double Weight)> Weights()
    {
        return _members.Select((m, i) => (m.Name, _weights[i])).ToArray();
    }

    public void Learn(double value)
    {
        if (!double.IsFinite(value))
        {
            Skip();
            return;
        }

        if (_issued.Count == _horizon)
        {
            var forecasts = _issued.Dequeue();
            if (_errors is null)
            {
                _errors = new double[_members.Length];
                for (var k = 0; k < _members.Length; k++)
                {
                    _errors[k] = Math.Abs(value - forecasts[k]);
                }
            }
            else
            {
                for (var k = 0; k < _members.Length; k++)
                {
                    _errors[k] += _lambda * (Math.Abs(value - forecasts[k]) - _errors[k]);
                }
            }

            _weights = ComputeWeights();
        }

        foreach (var member in _members)
        {
            member.Learn(value);
        }

        Observations++;
        Issue();
    }

    /// <summary>Members skip; forecasts aimed at the missing step are dropped, so no error is learned from it.</summary>
    public void Skip()
    {
        foreach (var member in _members)
        {
            member.Skip();
        }

        Observations++;
        _issued.Clear();
        Issue();
    }

    public Forecast Forecast(int horizon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        if (Observations == 0)
        {
            return new Forecast(0, 0);
        }

        var forecasts = horizon == _horizon && _latest is { } latest ? latest : MemberForecasts(horizon);
        var point = 0.0;
        for (var k = 0; k < _members.Length; k++)
        {
            point += _weights[k] * forecasts[k];
        }

        return new Forecast(point, point);
    }

    public void WriteState(StateWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Observations);
        writer.Write(_errors is not null);
        if (_errors is not null)
        {
            writer.WriteDoubles(_errors);
        }

        writer.Write(_issued.Count);
        foreach (var forecasts in _issued)
        {
            writer.WriteDoubles(forecasts);
        }

        foreach (var member in _members)
        {
            member.WriteState(writer);
        }
    }

    public void ReadState(StateReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        Observations = reader.ReadInt64();
        _errors = reader.ReadBoolean() ? reader.ReadDoubles(_members.Length) : null;
        _weights = ComputeWeights();
        _issued.Clear();
        _latest = null;
        var pending = reader.ReadInt32();
        if (pending < 0 || pending > _horizon)
        {
            throw new ModelStateException($"snapshot holds {pending} pending forecasts for horizon {_horizon}");
        }

        for (var i = 0; i < pending; i++)
        {
            _latest = reader.ReadDoubles(_members.Length);
            _issued.Enqueue(_latest);
        }

        foreach (var member in _members)
        {
            member.ReadState(reader);
        }
    }

    private void Issue()
    {
        _latest = MemberForecasts(_horizon);
        _issued.Enqueue(_latest);
    }

    private double[] MemberForecasts(int horizon)
    {
        var forecasts = new double[_members.Length];
        for (var k = 0; k < _members.Length; k++)
        {
            forecasts[k] = _members[k].Forecast(horizon).Point;
        }

        return forecasts;
    }

    private double[] ComputeWeights()
    {
        var weights = new double[_members.Length];
        if (_errors is null)
        {
            Array.Fill(weights, 1.0 / _members.Length);
            return weights;
        }

        var best = Math.Max(_errors.Min(), 1e-12);
        var total = 0.0;
        for (var k = 0; k < _members.Length; k++)
        {
            weights[k] = Math.Exp(-_eta * ((_errors[k] / best) - 1.0));
            total += weights[k];
        }

        for (var k = 0; k < _members.Length; k++)
        {
            weights[k] /= total;
        }

        return weights;
    }
}
