using System.Buffers;
using System.Globalization;
using System.Text;

namespace MetricsAdapter.Sidecar.Exposition;

/// <summary>Why a scrape body was refused. Stable label values of <c>metrics_adapter_sidecar_scrape_errors_total</c>.</summary>
public static class ScrapeErrors
{
    public const string Unreachable = "unreachable";
    public const string Timeout = "timeout";
    public const string HttpStatus = "http-status";
    public const string Syntax = "syntax";
    public const string TooLarge = "too-large";
}

/// <summary>
/// Reads the Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 from a stream, line by line, and hands
/// the samples of the wanted names to a sink. Only a line's name is read before it is skipped, so what the app
/// exposes besides the wanted metrics costs a scan and never memory. A malformed line fails the whole body, as a
/// Prometheus server fails the scrape: partial data would look like counters that vanished.
/// </summary>
public sealed class ExpositionParser
{
    private const int InitialBuffer = 16 * 1024;
    private readonly int _maxLineBytes;
    private readonly long _maxBodyBytes;
    private readonly List<(string Name, string Value)> _labels = new(8);

    /// <param name="maxLineBytes">Longest line accepted (a label set cannot grow a line past this). Default 64 KiB.</param>
    /// <param name="maxBodyBytes">Largest body accepted. Default 32 MiB.</param>
    public ExpositionParser(int maxLineBytes = 64 * 1024, long maxBodyBytes = 32L << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 256);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBodyBytes, maxLineBytes);
        _maxLineBytes = maxLineBytes;
        _maxBodyBytes = maxBodyBytes;
    }

    /// <summary>Parses a whole body; the error says which line and why, or null when the body was read through.</summary>
    public async Task<ExpositionError?> ParseAsync(Stream body, ISampleSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(sink);
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        try
        {
            int start = 0, end = 0, lineNumber = 0;
            long total = 0;
            var skipping = false;
            while (true)
            {
                var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    lineNumber++;
                    var line = buffer.AsSpan(start, newline);
                    if (!skipping && line.Length > _maxLineBytes)
                    {
                        if (sink.Wants(NameOf(line)))
                        {
                            return new ExpositionError(ScrapeErrors.Syntax, lineNumber, $"line longer than {_maxLineBytes} bytes");
                        }
                    }
                    else if (!skipping && ParseLine(line, sink) is { } message)
                    {
                        return new ExpositionError(ScrapeErrors.Syntax, lineNumber, message);
                    }

                    skipping = false;
                    start += newline + 1;
                    continue;
                }

                if (end - start > _maxLineBytes)
                {
                    // A line this long is acceptable only for a metric nobody asked for: skip to its end.
                    if (!skipping && sink.Wants(NameOf(buffer.AsSpan(start, end - start))))
                    {
                        return new ExpositionError(ScrapeErrors.Syntax, lineNumber + 1, $"line longer than {_maxLineBytes} bytes");
                    }

                    skipping = true;
                    start = end;
                }

                if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    (start, end) = (0, end - start);
                }

                if (end == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, _maxLineBytes + 1));
                    buffer.AsSpan(0, end).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    if (end > start && !skipping && ParseLine(buffer.AsSpan(start, end - start), sink) is { } message)
                    {
                        return new ExpositionError(ScrapeErrors.Syntax, lineNumber + 1, message);
                    }

                    return null;
                }

                total += read;
                if (total > _maxBodyBytes)
                {
                    return new ExpositionError(ScrapeErrors.TooLarge, lineNumber, $"body larger than {_maxBodyBytes} bytes");
                }

                end += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Parses one body held in memory (tests, captured outputs).</summary>
    public ExpositionError? Parse(ReadOnlySpan<byte> body, ISampleSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var lineNumber = 0;
        while (!body.IsEmpty)
        {
            lineNumber++;
            var newline = body.IndexOf((byte)'\n');
            var line = newline < 0 ? body : body[..newline];
            body = newline < 0 ? default : body[(newline + 1)..];
            if (line.Length > _maxLineBytes)
            {
                if (sink.Wants(NameOf(line)))
                {
                    return new ExpositionError(ScrapeErrors.Syntax, lineNumber, $"line longer than {_maxLineBytes} bytes");
                }

                continue;
            }

            if (ParseLine(line, sink) is { } message)
            {
                return new ExpositionError(ScrapeErrors.Syntax, lineNumber, message);
            }
        }

        return null;
    }

    /// <summary>The sample name a line starts with (empty for comments and blank lines).</summary>
    private static ReadOnlySpan<byte> NameOf(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty || line[0] == (byte)'#')
        {
            return default;
        }

        var length = 0;
        while (length < line.Length && IsNameByte(line[length], length == 0))
        {
            length++;
        }

        return line[..length];
    }

    /// <summary>One line; the reason it is malformed, or null.</summary>
    private string? ParseLine(ReadOnlySpan<byte> line, ISampleSink sink)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        line = TrimStart(line);
        if (line.IsEmpty || line[0] == (byte)'#')
        {
            // HELP, TYPE, UNIT, EOF and free comments carry nothing the sidecar reads.
            return null;
        }

        ReadOnlySpan<byte> name;
        var position = 0;
        string? quotedName = null;
        if (line[0] == (byte)'{')
        {
            // A UTF-8 name quoted inside the braces (Prometheus 3): {"my.metric", label="value"} 1
            position = 1;
            SkipSpaces(line, ref position);
            if (position >= line.Length || line[position] != (byte)'"')
            {
                return "expected a quoted metric name after '{'";
            }

            position++;
            if (ReadQuoted(line, ref position, out quotedName) is { } error)
            {
                return error;
            }

            name = Encoding.UTF8.GetBytes(quotedName);
        }
        else
        {
            while (position < line.Length && IsNameByte(line[position], position == 0))
            {
                position++;
            }

            if (position == 0)
            {
                return "a sample line must start with a metric name";
            }

            name = line[..position];
        }

        if (!sink.Wants(name))
        {
            return null;
        }

        _labels.Clear();
        if (quotedName is not null || (position < line.Length && line[position] == (byte)'{'))
        {
            if (quotedName is not null)
            {
                SkipSpaces(line, ref position);
                if (position < line.Length && line[position] == (byte)',')
                {
                    position++;
                }
            }
            else
            {
                position++;
            }

            if (ReadLabels(line, ref position) is { } error)
            {
                return error;
            }
        }

        if (position >= line.Length || (line[position] != (byte)' ' && line[position] != (byte)'\t'))
        {
            return "expected a space before the value";
        }

        SkipSpaces(line, ref position);
        var valueEnd = position;
        while (valueEnd < line.Length && line[valueEnd] != (byte)' ' && line[valueEnd] != (byte)'\t')
        {
            valueEnd++;
        }

        if (!TryParseValue(line[position..valueEnd], out var value))
        {
            return $"'{Encoding.UTF8.GetString(line[position..valueEnd])}' is not a sample value";
        }

        // What follows is an optional timestamp and, in OpenMetrics, an exemplar: neither is read.
        sink.Sample(name, _labels, value);
        return null;
    }

    /// <summary>Reads <c>name="value",…}</c> after the opening brace.</summary>
    private string? ReadLabels(ReadOnlySpan<byte> line, ref int position)
    {
        while (true)
        {
            SkipSpaces(line, ref position);
            if (position >= line.Length)
            {
                return "unterminated label set";
            }

            if (line[position] == (byte)'}')
            {
                position++;
                return null;
            }

            string labelName;
            if (line[position] == (byte)'"')
            {
                position++;
                if (ReadQuoted(line, ref position, out labelName) is { } quotedError)
                {
                    return quotedError;
                }
            }
            else
            {
                var nameStart = position;
                while (position < line.Length && IsLabelNameByte(line[position], position == nameStart))
                {
                    position++;
                }

                if (position == nameStart)
                {
                    return "expected a label name";
                }

                labelName = Encoding.UTF8.GetString(line[nameStart..position]);
            }

            SkipSpaces(line, ref position);
            if (position >= line.Length || line[position] != (byte)'=')
            {
                return $"expected '=' after label {labelName}";
            }

            position++;
            SkipSpaces(line, ref position);
            if (position >= line.Length || line[position] != (byte)'"')
            {
                return $"expected a quoted value for label {labelName}";
            }

            position++;
            if (ReadQuoted(line, ref position, out var labelValue) is { } error)
            {
                return error;
            }

            if (_labels.Count >= 64)
            {
                return "more than 64 labels on one sample";
            }

            _labels.Add((labelName, labelValue));
            SkipSpaces(line, ref position);
            if (position < line.Length && line[position] == (byte)',')
            {
                position++;
            }
            else if (position < line.Length && line[position] != (byte)'}')
            {
                return "expected ',' or '}' after a label";
            }
        }
    }

    /// <summary>Reads an escaped string after its opening quote, up to and past its closing quote.</summary>
    private static string? ReadQuoted(ReadOnlySpan<byte> line, ref int position, out string text)
    {
        text = string.Empty;
        var start = position;
        var escaped = false;
        while (position < line.Length)
        {
            var b = line[position];
            if (b == (byte)'\\')
            {
                escaped = true;
                position += 2;
                continue;
            }

            if (b == (byte)'"')
            {
                var raw = line[start..position];
                position++;
                text = escaped ? Unescape(raw) : Encoding.UTF8.GetString(raw);
                return null;
            }

            position++;
        }

        return "unterminated quoted string";
    }

    private static string Unescape(ReadOnlySpan<byte> raw)
    {
        var builder = new StringBuilder(raw.Length);
        var chars = Encoding.UTF8.GetString(raw);
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] == '\\' && i + 1 < chars.Length)
            {
                i++;
                builder.Append(chars[i] switch
                {
                    'n' => '\n',
                    _ => chars[i],
                });
            }
            else
            {
                builder.Append(chars[i]);
            }
        }

        return builder.ToString();
    }

    /// <summary>Go's and Python's float forms, and <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c> (any case).</summary>
    public static bool TryParseValue(ReadOnlySpan<byte> text, out double value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return false;
        }

        var unsigned = text[0] is (byte)'+' or (byte)'-' ? text[1..] : text;
        if (Ascii.EqualsIgnoreCase(unsigned, "inf"u8) || Ascii.EqualsIgnoreCase(unsigned, "infinity"u8))
        {
            value = text[0] == (byte)'-' ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }

        if (Ascii.EqualsIgnoreCase(text, "nan"u8))
        {
            value = double.NaN;
            return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static ReadOnlySpan<byte> TrimStart(ReadOnlySpan<byte> line)
    {
        var i = 0;
        while (i < line.Length && (line[i] == (byte)' ' || line[i] == (byte)'\t'))
        {
            i++;
        }

        return line[i..];
    }

    private static void SkipSpaces(ReadOnlySpan<byte> line, ref int position)
    {
        while (position < line.Length && (line[position] == (byte)' ' || line[position] == (byte)'\t'))
        {
            position++;
        }
    }

    private static bool IsNameByte(byte b, bool first) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or (byte)'_' or (byte)':' || (!first && b is >= (byte)'0' and <= (byte)'9');

    private static bool IsLabelNameByte(byte b, bool first) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or (byte)'_' || (!first && b is >= (byte)'0' and <= (byte)'9');
}

/// <summary>Where a body broke: the kind (<see cref="ScrapeErrors"/>), the 1-based line, and why.</summary>
public sealed record ExpositionError(string Kind, int Line, string Message)
{
    public override string ToString() => $"line {Line}: {Message}";
}

/// <summary>Receives the samples of the names it wants.</summary>
public interface ISampleSink
{
    /// <summary>Whether the sample name is read at all; false skips the line after its name.</summary>
    bool Wants(ReadOnlySpan<byte> sampleName);

    /// <summary>One wanted sample. The label list is reused for the next sample: copy what you keep.</summary>
    void Sample(ReadOnlySpan<byte> sampleName, IReadOnlyList<(string Name, string Value)> labels, double value);
}
