namespace MetricsAdapter.Prediction.State;

/// <summary>
/// A model whose whole state can be written out and read back, so that a restart continues where it stopped
/// instead of starting cold. Restoring into a model built with the same parameters gives identical outputs.
/// </summary>
public interface IStatefulModel
{
    /// <summary>Names the model and its parameters; a snapshot only restores into a model with the same key.</summary>
    string StateKey { get; }

    void WriteState(StateWriter writer);

    void ReadState(StateReader reader);
}

/// <summary>
/// What the simple online models share: a name, a count of the observations taken in, and snapshots that write that
/// count before the model's own fields.
/// </summary>
public abstract class OnlineModelBase : IStatefulModel
{
    public abstract string Name { get; }

    public virtual string StateKey => Name;

    /// <summary>Observations taken in so far.</summary>
    public long Observations { get; private set; }

    public abstract bool IsWarm { get; }

    public void WriteState(StateWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Observations);
        WriteModel(writer);
    }

    public void ReadState(StateReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        Observations = reader.ReadInt64();
        ReadModel(reader);
    }

    protected void CountObservation() => Observations++;

    protected abstract void WriteModel(StateWriter writer);

    protected abstract void ReadModel(StateReader reader);
}

/// <summary>The state could not be restored: wrong model, wrong parameters, or damaged bytes.</summary>
public sealed class ModelStateException(string message, Exception? inner = null) : Exception(message, inner);

public static class ModelSnapshots
{
    private const int FormatVersion = 1;

    /// <summary>The model's state as bytes: a header naming the model, then its fields.</summary>
    public static byte[] Snapshot(this IStatefulModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var stream = new MemoryStream();
        using (var writer = new StateWriter(stream))
        {
            writer.Write(FormatVersion);
            writer.Write(model.StateKey);
            model.WriteState(writer);
        }

        return stream.ToArray();
    }

    /// <summary>Replaces the model's state with a snapshot taken from a model with the same <see cref="IStatefulModel.StateKey"/>.</summary>
    /// <exception cref="ModelStateException">The snapshot is for another model, another version, or is damaged.</exception>
    public static void Restore(this IStatefulModel model, byte[] snapshot)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(snapshot);
        try
        {
            using var reader = new StateReader(new MemoryStream(snapshot, writable: false));
            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new ModelStateException($"snapshot format {version} is not {FormatVersion}");
            }

            var key = reader.ReadString();
            if (!string.Equals(key, model.StateKey, StringComparison.Ordinal))
            {
                throw new ModelStateException($"snapshot of \"{key}\" cannot restore \"{model.StateKey}\"");
            }

            model.ReadState(reader);
            if (reader.BaseStream.Position != reader.BaseStream.Length)
            {
                throw new ModelStateException("snapshot has trailing bytes");
            }
        }
        catch (EndOfStreamException exception)
        {
            throw new ModelStateException("snapshot is truncated", exception);
        }
    }
}

/// <summary>Writes state fields; every collection is length-prefixed.</summary>
public sealed class StateWriter(Stream stream) : BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)
{
    // Distinct names, not overloads of Write: C# prefers a derived class's overload, so Write(double?) would
    // silently capture every Write(double) call and change the format.
    public void WriteNullable(double? value)
    {
        Write(value.HasValue);
        if (value.HasValue)
        {
            Write(value.Value);
        }
    }

    public void WriteDoubles(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Write(values.Count);
        foreach (var value in values)
        {
            Write(value);
        }
    }

    public void WriteRing(RingBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        Write(buffer.Capacity);
        WriteDoubles(buffer.ToArray());
    }
}

/// <summary>Reads what <see cref="StateWriter"/> wrote, checking shapes against the model's parameters.</summary>
public sealed class StateReader(Stream stream) : BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: false)
{
    public double? ReadNullableDouble() => ReadBoolean() ? ReadDouble() : null;

    public double[] ReadDoubles(int? expectedLength = null)
    {
        var count = ReadInt32();
        if (count < 0 || count > 100_000_000 || (expectedLength is { } expected && count != expected))
        {
            throw new ModelStateException($"snapshot holds {count} values where {expectedLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "some"} were expected");
        }

        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = ReadDouble();
        }

        return values;
    }

    public void ReadInto(RingBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var capacity = ReadInt32();
        if (capacity != buffer.Capacity)
        {
            throw new ModelStateException($"snapshot ring of {capacity} does not fit a ring of {buffer.Capacity}");
        }

        buffer.Clear();
        foreach (var value in ReadDoubles())
        {
            buffer.Add(value);
        }
    }
}
