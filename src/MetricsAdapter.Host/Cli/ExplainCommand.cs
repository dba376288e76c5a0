using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using MetricsAdapter.Bus;
using MetricsAdapter.Core.Decisions;
using MetricsAdapter.Core.Pipeline;
using MetricsAdapter.Core.Quantities;

namespace MetricsAdapter.Host.Cli;

/// <summary>
/// <c>explain &lt;namespace&gt;/&lt;service&gt;</c>: "why did it scale?" from the audit topic alone — every value
/// served for the service since a point in time, what produced it, the fallback in force and the reason, as a
/// timeline. With <c>--json</c> the last line of stdout is <c>{"subject": …, "decisions": [the CloudEvents]}</c>.
/// </summary>
internal static class ExplainCommand
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var subject = new Argument<string>("service") { Description = "The service, as namespace/service (e.g. demo/checkout)." };
        var since = new Option<string>("--since")
        {
            Description = "How far back: a duration (30m, 2h, 90s, 1d) or an RFC 3339 time.",
            DefaultValueFactory = _ => "30m",
        };
        var metric = new Option<string?>("--metric") { Description = "Only this metric (predicted_load or latency_anomaly_score)." };
        var json = new Option<bool>("--json") { Description = "Also print the decision records as one JSON object, the last line of stdout." };
        var bootstrap = KafkaCliOptions.Bootstrap();
        var config = KafkaCliOptions.Config();
        var command = new Command("explain", "Why did it scale? The timeline of values served for one service, read from the audit topic.")
        {
            subject, since, metric, json, bootstrap, config,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!ServiceKey.TryParse(parse.GetValue(subject), out var service, out var keyError))
            {
                return await CliOutput.FailAsync($"explain: {keyError}", 2);
            }

            var now = TimeProvider.System.GetUtcNow();
            if (!TryParseSince(parse.GetValue(since)!, now, out var from))
            {
                return await CliOutput.FailAsync($"explain: --since {parse.GetValue(since)}: not a duration (30m, 2h, 1d) or an RFC 3339 time", 2);
            }

            var (settings, options, error) = KafkaCliOptions.Resolve(parse.GetValue(bootstrap), parse.GetValue(config));
            if (settings is null)
            {
                return await CliOutput.FailAsync("explain: " + error, 2);
            }

            IReadOnlyList<AuditRecord> records;
            var skipped = 0;
            try
            {
                records = await Task.Run(() =>
                {
                    var read = AuditTrailReader.Read(settings, options.DecisionsTopic, from, service.ToString(), TimeSpan.FromSeconds(15), TimeProvider.System, out var notDecisions);
                    skipped = notDecisions;
                    return read;
                }, cancellationToken);
            }
            catch (KafkaException exception)
            {
                return await CliOutput.FailAsync($"explain: cannot read {options.DecisionsTopic} at {settings["bootstrap.servers"]}: {exception.Error.Reason}", 1);
            }

            var selected = records
                .Where(r => parse.GetValue(metric) is not { } only || string.Equals(r.Event.Data.Metric, only, StringComparison.Ordinal))
                .OrderBy(r => r.Event.Time).ThenBy(r => r.Event.Data.Metric, StringComparer.Ordinal)
                .ToList();
            await Console.Out.WriteAsync(Timeline(service, from, selected, skipped));
            if (parse.GetValue(json))
            {
                await Console.Out.WriteLineAsync(Json(service, selected));
            }

            return 0;
        });
        return command;
    }

    internal static bool TryParseSince(string text, DateTimeOffset now, out DateTimeOffset since)
    {
        since = default;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var absolute) && text.Contains('T', StringComparison.Ordinal))
        {
            since = absolute;
            return true;
        }

        if (!DurationText.TryParse(text, DurationText.UpToDays, out var span))
        {
            return false;
        }

        since = now - span;
        return true;
    }

    private static string Timeline(ServiceKey service, DateTimeOffset from, List<AuditRecord> records, int skipped)
    {
        var text = new StringBuilder();
        var fallbacks = records.Count(r => r.Event.Data.Fallback is not null);
        text.Append(CultureInfo.InvariantCulture, $"{records.Count} decisions for {service} since {from.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z ({fallbacks} fallbacks)");
        text.Append(skipped > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {skipped} records on the topic were not decision records\n") : "\n");
        if (records.Count == 0)
        {
            text.Append("nothing recorded: is the service reporting observations, and is the window (--since) right?\n");
            return text.ToString();
        }

        text.Append(CultureInfo.InvariantCulture, $"{"TIME (UTC)",-19}  {"METRIC",-21}  {"VALUE",9}  {"CHANGE",7}  {"MODEL",-36}  {"FALLBACK",-20}  EXPLANATION\n");
        var previous = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            var data = record.Event.Data;
            var metric = data.Metric ?? "?";
            var value = data.Value ?? "withdrawn";
            var change = string.Empty;
            if (data.Value is not null && Core.Quantities.Quantity.TryParse(data.Value, out var quantity, out _))
            {
                var current = quantity.ToDouble();
                if (previous.TryGetValue(metric, out var before) && before > 0)
                {
                    var ratio = (current - before) / before;
                    change = Math.Abs(ratio) >= 0.005 ? ratio.ToString("+0%;-0%", CultureInfo.InvariantCulture) : string.Empty;
                }

                previous[metric] = current;
            }

            var model = data.Model is { } m ? $"{m.Name} {m.Version}" : "?";
            var fallback = data.Fallback is { } f ? f.Reason : "-";
            text.Append(CultureInfo.InvariantCulture,
                $"{record.Event.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {metric,-21}  {value,9}  {change,7}  {Clip(model, 36),-36}  {fallback,-20}  {data.Explanation}\n");
        }

        return text.ToString();
    }

    private static string Clip(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";

    private static string Json(ServiceKey service, List<AuditRecord> records)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("subject", service.ToString());
            writer.WriteStartArray("decisions");
            foreach (var record in records)
            {
                JsonSerializer.Serialize(writer, record.Event, DecisionJsonContext.Wire.DecisionEvent);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
