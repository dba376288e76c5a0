using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace MetricsAdapter.Bus;

/// <summary>
/// librdkafka's errors and log lines into our log, at most one line per error code per minute (a broker that is
/// down makes librdkafka repeat itself every second), with the count of what was left out; errors counted and
/// reachability tracked.
/// </summary>
internal sealed partial class KafkaClientLog(string role, ILogger logger, TimeProvider timeProvider, KafkaConnectivity connectivity, BusTelemetry telemetry)
{
    private readonly ConcurrentDictionary<string, (long LastTicks, int Suppressed)> _recent = new(StringComparer.Ordinal);

    public string Role => role;

    public void OnError(Error error)
    {
        var code = error.Code.ToString();
        telemetry.ClientError(role, code);
        if (error.Code is ErrorCode.Local_AllBrokersDown or ErrorCode.Local_Transport or ErrorCode.Local_Resolve)
        {
            connectivity.Down(role);
        }

        if (ShouldLog(code, out var suppressed))
        {
            if (error.IsFatal)
            {
                LogFatal(logger, role, code, error.Reason);
            }
            else
            {
                LogError(logger, role, code, error.Reason, suppressed);
            }
        }
    }


    public void Reached() => connectivity.Up(role);

    public void OnLog(LogMessage message)
    {
        var level = message.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Debug,
        };
        if (logger.IsEnabled(level) && ShouldLog(message.Facility, out var suppressed))
        {
            LogLibrdkafka(logger, level, role, message.Facility, message.Message, suppressed);
        }
    }

    private bool ShouldLog(string key, out int suppressed)
    {
        var now = timeProvider.GetUtcNow().UtcTicks;
        var entry = _recent.GetOrAdd(key, (0, 0));
        if (now - entry.LastTicks >= TimeSpan.TicksPerMinute)
        {
            _recent[key] = (now, 0);
            suppressed = entry.Suppressed;
            return true;
        }

        _recent[key] = (entry.LastTicks, entry.Suppressed + 1);
        suppressed = 0;
        return false;
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Kafka {Role}: {Code}: {Reason} ({Suppressed} more like it in the last minute)")]
    private static partial void LogError(ILogger logger, string role, string code, string reason, int suppressed);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Error, Message = "Kafka {Role}: fatal {Code}: {Reason}; the client is rebuilt")]
    private static partial void LogFatal(ILogger logger, string role, string code, string reason);

    [LoggerMessage(EventId = 5203, Message = "librdkafka {Role} {Facility}: {Text} ({Suppressed} more like it in the last minute)")]
    private static partial void LogLibrdkafka(ILogger logger, LogLevel level, string role, string facility, string text, int suppressed);
}
