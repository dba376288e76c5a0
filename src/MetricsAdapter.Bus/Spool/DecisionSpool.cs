using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.Bus.Spool;

/// <summary>One spooled record: its position in the spool, and the Kafka timestamp, key and value it will be shipped with.</summary>
public sealed record SpoolEntry(long Sequence, DateTimeOffset Timestamp, byte[] Key, byte[] Value);

/// <summary>A record to spool.</summary>
public readonly record struct SpoolRecord(DateTimeOffset Timestamp, byte[] Key, byte[] Value);

/// <summary>
/// The audit trail's write-ahead log: an append-only, fsync'd, bounded sequence of records on local disk, in
/// segment files. Every decision is appended here before it is served; the shipper reads from here in order and
/// acknowledges what Kafka has confirmed. A restart finds every unacknowledged record where it was.
/// </summary>
/// <remarks>
/// Layout: <c>&lt;first sequence&gt;.seg</c> files of entries <c>[u32 length][u32 crc32][u64 sequence][i64 timestamp,
/// Unix ms][u16 key length][key][value]</c>, the CRC over sequence, timestamp and payload; and <c>checkpoint</c>, written by replace, holding
/// the last acknowledged sequence and the last one handed to a producer. A torn entry at the end (a crash during
/// an append) is cut off at open: it was never acknowledged to anyone, since serving waits for the fsync.
/// Thread-safe.
/// </remarks>
public sealed partial class DecisionSpool : IDisposable
{
    private const int HeaderBytes = 24;
    private const int MaxEntryBytes = 16 << 20;
    private const string SegmentSuffix = ".seg";
    private const string CheckpointName = "checkpoint";

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly long _segmentBytes;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Lock _readGate = new();
    private readonly List<Segment> _segments = [];
    private FileStream? _writer;
    private long _nextSequence;
    private long _committed;
    private long _acknowledged;
    private long _handedOff;
    private long _savedAcknowledged = -1;
    private long _savedHandedOff = -1;
    private long _refused;
    private bool _disposed;
    private ReadCursor? _cursor;

    public DecisionSpool(string directory, long maxBytes, long segmentBytes, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentBytes, 1024);
        _directory = directory;
        _maxBytes = maxBytes;
        _segmentBytes = segmentBytes;
        _logger = logger;
        System.IO.Directory.CreateDirectory(directory);
        Open();
    }

    /// <summary>The newest sequence flushed to disk; 0 when the spool has never held anything.</summary>
    public long Committed
    {
        get
        {
            lock (_gate)
            {
                return _committed;
            }
        }
    }

    /// <summary>Everything at or below this has been confirmed by Kafka.</summary>
    public long Acknowledged
    {
        get
        {
            lock (_gate)
            {
                return _acknowledged;
            }
        }
    }

    /// <summary>The newest sequence ever handed to a producer: above <see cref="Acknowledged"/>, records may or may not be in Kafka.</summary>
    public long HandedOff
    {
        get
        {
            lock (_gate)
            {
                return _handedOff;
            }
        }
    }

    /// <summary>Records not yet confirmed by Kafka.</summary>
    public long Depth
    {
        get
        {
            lock (_gate)
            {
                return _committed - _acknowledged;
            }
        }
    }

    /// <summary>Bytes on disk: what counts against the bound.</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _segments.Sum(s => s.Length);
            }
        }
    }

    public long MaxBytes => _maxBytes;

    /// <summary>The spool's directory.</summary>
    public string Directory => _directory;

    /// <summary>Records refused because the spool was full, since start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>
    /// Appends records in order and flushes them to disk once for the batch. Returns how many, from the first,
    /// were appended: the rest did not fit under the bound and are refused (counted).
    /// </summary>
    public int Append(IReadOnlyList<SpoolRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var total = _segments.Sum(s => s.Length);
            var appended = 0;
            var (segmentsBefore, nextBefore) = (_segments.Count, _nextSequence);
            var (lengthBefore, lastBefore) = _segments.Count > 0 ? (_segments[^1].Length, _segments[^1].Last) : (0L, 0L);
            try
            {
                foreach (var record in records)
                {
                    var length = 2 + record.Key.Length + record.Value.Length;
                    if (length > MaxEntryBytes || record.Key.Length > ushort.MaxValue)
                    {
                        throw new ArgumentException($"a spool record may hold at most {MaxEntryBytes} bytes and a key of {ushort.MaxValue}");
                    }

                    if (total + HeaderBytes + length > _maxBytes)
                    {
                        break;
                    }

                    WriteEntry(CurrentWriter(), record, length);
                    total += HeaderBytes + length;
                    appended++;
                }

                if (appended > 0)
                {
                    _writer!.Flush(flushToDisk: true);
                    _committed = _nextSequence - 1;
                }
            }
            catch (IOException)
            {
                RollBack(segmentsBefore, lengthBefore, lastBefore, nextBefore);
                throw;
            }

            if (appended < records.Count)
            {
                Interlocked.Add(ref _refused, records.Count - appended);
            }

            return appended;
        }
    }

    private void WriteEntry(FileStream writer, SpoolRecord record, int length)
    {
        Span<byte> header = stackalloc byte[HeaderBytes + 2];
        var sequence = _nextSequence;
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)length);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], (ulong)sequence);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], record.Timestamp.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt16LittleEndian(header[24..], (ushort)record.Key.Length);
        var crc = new Crc32();
        crc.Append(header[8..]);
        crc.Append(record.Key);
        crc.Append(record.Value);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], crc.GetCurrentHashAsUInt32());
        writer.Write(header);
        writer.Write(record.Key);
        writer.Write(record.Value);
        _segments[^1].Length += HeaderBytes + length;
        _segments[^1].Last = sequence;
        _nextSequence++;
    }

    /// <summary>
    /// A failed append (a full disk) leaves nothing behind: segments it opened are deleted, the one it wrote into
    /// is cut back to where it was, so later appends never land after a half-written record.
    /// </summary>
    private void RollBack(int segmentsBefore, long lengthBefore, long lastBefore, long nextBefore)
    {
        try
        {
            _writer?.Dispose();
        }
        catch (IOException)
        {
            // The buffered tail could not be written either: it is cut off below.
        }

        _writer = null;
        while (_segments.Count > segmentsBefore)
        {
            File.Delete(_segments[^1].Path);
            _segments.RemoveAt(_segments.Count - 1);
        }

        if (_segments.Count > 0)
        {
            using (var file = new FileStream(_segments[^1].Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            {
                file.SetLength(lengthBefore);
                file.Flush(flushToDisk: true);
            }

            (_segments[^1].Length, _segments[^1].Last) = (lengthBefore, lastBefore);
        }

        _nextSequence = nextBefore;
    }

    /// <summary>
    /// Up to <paramref name="max"/> committed records after <paramref name="after"/>, in order. Reading on from
    /// where the previous call stopped continues in the open segment instead of scanning it again.
    /// </summary>
    public IReadOnlyList<SpoolEntry> Read(long after, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        Segment[] segments;
        long committed;
        lock (_gate)
        {
            segments = [.. _segments];
            committed = _committed;
        }

        var result = new List<SpoolEntry>(Math.Min(max, 1024));
        lock (_readGate)
        {
            foreach (var segment in segments)
            {
                if (segment.Last <= after || segment.First > committed)
                {
                    continue;
                }

                if (_cursor is not { } cursor || cursor.Path != segment.Path || cursor.Next > after + 1)
                {
                    _cursor?.File.Dispose();
                    _cursor = cursor = new ReadCursor(segment.Path,
                        new FileStream(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16), segment.First);
                }

                while (result.Count < max && cursor.Next <= Math.Min(committed, segment.Last))
                {
                    var position = cursor.File.Position;
                    if (ReadEntry(cursor.File) is not { } entry)
                    {
                        // A committed record that cannot be read: stop here rather than skip it (and lose it unnoticed).
                        cursor.File.Position = position;
                        LogUnreadable(_logger, segment.Path, cursor.Next);
                        return result;
                    }

                    cursor.Next = entry.Sequence + 1;
                    if (entry.Sequence > after)
                    {
                        result.Add(entry);
                    }
                }

                if (result.Count == max)
                {
                    break;
                }
            }
        }

        return result;
    }

    /// <summary>Kafka confirmed everything up to <paramref name="sequence"/>: segments wholly below it are deleted.</summary>
    public void Acknowledge(long sequence)
    {
        lock (_gate)
        {
            if (sequence <= _acknowledged)
            {
                return;
            }

            _acknowledged = Math.Min(sequence, _committed);
            while (_segments.Count > 1 && _segments[0].Last <= _acknowledged)
            {
                File.Delete(_segments[0].Path);
                _segments.RemoveAt(0);
            }

            if (_segments.Count == 1 && _segments[0].Last <= _acknowledged && _segments[0].Length > 0)
            {
                // Everything is shipped: the open segment goes too, so a spool as large as one segment never stays full.
                _writer?.Dispose();
                _writer = null;
                File.Delete(_segments[0].Path);
                _segments.Clear();
            }
        }
    }

    /// <summary>Records up to <paramref name="sequence"/> are about to be handed to a producer; saved before they are.</summary>
    public void HandOff(long sequence)
    {
        lock (_gate)
        {
            if (sequence > _handedOff)
            {
                _handedOff = sequence;
                SaveCheckpointLocked();
            }
        }
    }

    /// <summary>Saves the acknowledged position if it moved (the shipper calls this often, not per record).</summary>
    public void SaveCheckpoint()
    {
        lock (_gate)
        {
            SaveCheckpointLocked();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            SaveCheckpointLocked();
            _writer?.Dispose();
        }

        lock (_readGate)
        {
            _cursor?.File.Dispose();
            _cursor = null;
        }
    }

    private FileStream CurrentWriter()
    {
        if (_writer is not null && _segments[^1].Length < _segmentBytes)
        {
            return _writer;
        }

        if (_writer is not null)
        {
            // Records of this batch in the old segment are served with the rest: they must be on disk too.
            _writer.Flush(flushToDisk: true);
            _writer.Dispose();
        }

        var path = System.IO.Path.Combine(_directory, _nextSequence.ToString("D20", CultureInfo.InvariantCulture) + SegmentSuffix);
        _writer = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete, 1 << 16);
        _segments.Add(new Segment(path, _nextSequence) { Last = _nextSequence - 1 });
        Native.DirectorySync.Flush(_directory);
        return _writer;
    }

    private void Open()
    {
        (_acknowledged, _handedOff) = ReadCheckpoint();
        var last = _acknowledged;
        foreach (var path in System.IO.Directory.GetFiles(_directory, "*" + SegmentSuffix).Order(StringComparer.Ordinal))
        {
            if (!long.TryParse(System.IO.Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var first))
            {
                continue;
            }

            long validEnd;
            var segment = new Segment(path, first) { Last = first - 1 };
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                if (Scan(file, out validEnd) is { } lastInSegment)
                {
                    segment.Last = lastInSegment;
                }

                if (validEnd < file.Length)
                {
                    LogTornTail(_logger, path, file.Length - validEnd);
                }
            }

            if (validEnd < new FileInfo(path).Length)
            {
                using var truncate = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
                truncate.SetLength(validEnd);
                truncate.Flush(flushToDisk: true);
            }

            segment.Length = validEnd;
            if (segment.Last <= _acknowledged && segment.Last >= segment.First)
            {
                File.Delete(path);
                continue;
            }

            if (segment.Last < segment.First)
            {
                File.Delete(path);
                continue;
            }

            _segments.Add(segment);
            last = Math.Max(last, segment.Last);
        }

        _nextSequence = last + 1;
        _committed = last;
        _handedOff = Math.Min(Math.Max(_handedOff, _acknowledged), _committed);
        if (_committed > _acknowledged)
        {
            LogReopened(_logger, _committed - _acknowledged, _directory);
        }
    }

    /// <summary>
    /// Reads a segment from its start up to the first entry that is incomplete or damaged: returns the last good
    /// sequence (null if none) and where the good entries end.
    /// </summary>
    private static long? Scan(FileStream file, out long validEnd)
    {
        file.Position = 0;
        long? last = null;
        validEnd = 0;
        while (ReadEntry(file) is { } entry)
        {
            last = entry.Sequence;
            validEnd = file.Position;
        }

        return last;
    }

    /// <summary>The entry at the stream's position, or null if it is incomplete or damaged.</summary>
    private static SpoolEntry? ReadEntry(FileStream file)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (file.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var expectedCrc = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        var sequence = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        var timestamp = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        if (length < 2 || length > MaxEntryBytes)
        {
            return null;
        }

        var payload = new byte[length];
        if (file.ReadAtLeast(payload, (int)length, throwOnEndOfStream: false) < length)
        {
            return null;
        }

        var crc = new Crc32();
        crc.Append(header[8..]);
        crc.Append(payload);
        var keyLength = BinaryPrimitives.ReadUInt16LittleEndian(payload);
        if (crc.GetCurrentHashAsUInt32() != expectedCrc || 2 + keyLength > payload.Length)
        {
            return null;
        }

        return new SpoolEntry(sequence, DateTimeOffset.FromUnixTimeMilliseconds(timestamp), payload[2..(2 + keyLength)], payload[(2 + keyLength)..]);
    }

    private (long Acknowledged, long HandedOff) ReadCheckpoint()
    {
        var path = System.IO.Path.Combine(_directory, CheckpointName);
        if (!File.Exists(path))
        {
            return (0, 0);
        }

        long acknowledged = 0, handedOff = 0;
        foreach (var line in File.ReadAllLines(path))
        {
            var parts = line.Split('=', 2);
            if (parts.Length == 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                if (parts[0] == "acknowledged")
                {
                    acknowledged = value;
                }
                else if (parts[0] == "handed-off")
                {
                    handedOff = value;
                }
            }
        }

        return (acknowledged, handedOff);
    }

    private void SaveCheckpointLocked()
    {
        if (_acknowledged == _savedAcknowledged && _handedOff == _savedHandedOff)
        {
            return;
        }

        var path = System.IO.Path.Combine(_directory, CheckpointName);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"acknowledged={_acknowledged}\nhanded-off={_handedOff}\n")));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        Native.DirectorySync.Flush(_directory);
        (_savedAcknowledged, _savedHandedOff) = (_acknowledged, _handedOff);
    }

    private sealed class ReadCursor(string path, FileStream file, long next)
    {
        public string Path { get; } = path;

        public FileStream File { get; } = file;

        public long Next { get; set; } = next;
    }

    private sealed class Segment(string path, long first)
    {
        public string Path { get; } = path;

        public long First { get; } = first;

        public long Last { get; set; }

        public long Length { get; set; }
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Cut {Bytes} bytes of an unfinished record off the end of {Path} (the process stopped during an append; that record was never served)")]
    private static partial void LogTornTail(ILogger logger, string path, long bytes);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Critical, Message = "The audit spool's record {Sequence} in {Path} cannot be read: shipping stops there until it is repaired")]
    private static partial void LogUnreadable(ILogger logger, string path, long sequence);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "The audit spool in {Directory} holds {Records} decisions not yet confirmed by Kafka; they are shipped first, in order")]
    private static partial void LogReopened(ILogger logger, long records, string directory);
}
