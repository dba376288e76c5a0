using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MetricsAdapter.Decisions;

/// <summary>
/// The decision manager's state on disk (<c>&lt;StateDirectory&gt;/decisions.snapshot</c>), written whole to a
/// temporary file, flushed to disk and renamed, so a crash leaves the previous snapshot intact.
/// </summary>
public sealed partial class DecisionSnapshots(IOptions<DecisionOptions> options, ILogger<DecisionSnapshots> logger)
{
    public const string FileName = "decisions.snapshot";

    private string? Path => string.IsNullOrEmpty(options.Value.StateDirectory)
        ? null
        : System.IO.Path.Combine(options.Value.StateDirectory, FileName);

    public void Save(DecisionManager manager)
    {
        ArgumentNullException.ThrowIfNull(manager);
        if (Path is not { } path)
        {
            return;
        }

        var temporary = path + ".tmp";
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            int services;
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                services = manager.WriteSnapshot(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            LogSaved(logger, services, path);
        }
        catch (IOException exception)
        {
            LogSaveFailed(logger, path, exception.Message);
        }
#pragma warning disable CA1031 // Whatever fails the snapshot (a model that cannot write itself) must not stop deciding.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogSaveFailed(logger, path, exception.Message);
        }
    }

    public void Restore(DecisionManager manager)
    {
        ArgumentNullException.ThrowIfNull(manager);
        if (Path is not { } path || !File.Exists(path))
        {
            LogNone(logger, Path ?? "(none: Decisions:StateDirectory is empty)");
            return;
        }

        try
        {
            using var file = File.OpenRead(path);
            var restore = manager.ReadSnapshot(file);
            if (restore.Ignored is { } why)
            {
                LogIgnored(logger, path, why);
            }
            else
            {
                LogRestored(logger, restore.Services, restore.ColdModels, restore.Skipped, path);
            }
        }
#pragma warning disable CA1031 // A damaged snapshot starts the adapter cold; it must never keep it from starting.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogIgnored(logger, path, exception.Message);
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "Saved the state of {Services} services to {Path}")]
    private static partial void LogSaved(ILogger logger, int services, string path);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Error, Message = "Could not save the decision manager's state to {Path}: {Error}; a restart would start cold")]
    private static partial void LogSaveFailed(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Information, Message = "Restored {Services} services from {Path} ({Cold} models start cold, {Skipped} services skipped)")]
    private static partial void LogRestored(ILogger logger, int services, int cold, int skipped, string path);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Warning, Message = "Ignored the snapshot {Path}: {Why}")]
    private static partial void LogIgnored(ILogger logger, string path, string why);

    [LoggerMessage(EventId = 4205, Level = LogLevel.Information, Message = "No snapshot at {Path}: every service starts cold")]
    private static partial void LogNone(ILogger logger, string path);
}
