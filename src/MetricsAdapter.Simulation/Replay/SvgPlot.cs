using System.Globalization;
using System.Text;

namespace MetricsAdapter.Simulation.Replay;

/// <summary>
/// The run as an SVG picture, written directly (no plotting package is served): the load and the predictive
/// policy's <c>predicted_load</c> over time, each policy's replicas below, and the surges found as marks.
/// </summary>
public static class SvgPlot
{
    private const int Width = 1200;
    private const int PanelHeight = 260;
    private const int Left = 70;
    private const int Right = 20;
    private const int Top = 40;
    private const int Gap = 50;
    private const int MaxPoints = 1500;

    private static readonly Dictionary<string, string> Colours = new(StringComparer.Ordinal)
    {
        [Policies.Reactive] = "#d62728",
        [Policies.ReactiveRps] = "#ff7f0e",
        [Policies.Predictive] = "#1f77b4",
        [Policies.Oracle] = "#2ca02c",
    };

    public static string Render(SimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var series = result.Series;
        var height = Top + (2 * PanelHeight) + Gap + 50;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{height}" viewBox="0 0 {Width} {height}" font-family="sans-serif" font-size="12">""").Append('\n');
        svg.Append("""<rect width="100%" height="100%" fill="white"/>""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left}" y="22" font-size="15">{Escape(result.Trace)}: load, forecast and replicas ({result.Duration.TotalDays:0.##} days, start-up {result.Parameters.StartupDelay.TotalSeconds:0} s, peak {result.Parameters.PeakPods} pods)</text>""").Append('\n');
        if (series.Minutes.Count == 0)
        {
            return svg.Append("</svg>\n").ToString();
        }

        var (x0, x1) = (series.Minutes[0], series.Minutes[^1]);
        var loadTop = Top;
        var replicasTop = Top + PanelHeight + Gap;
        var maxLoad = Math.Max(1, series.Load.Concat(series.Forecast.Where(double.IsFinite)).Max());
        var maxReplicas = Math.Max(1, series.Replicas.Values.SelectMany(r => r).DefaultIfEmpty(1).Max());
        Axes(svg, loadTop, maxLoad, "requests/s", x0, x1);
        Axes(svg, replicasTop, maxReplicas, "replicas", x0, x1);
        // Marks only while they stay readable: thousands of them would paint the panels grey.
        foreach (var onset in series.SurgeOnsets.Count <= 150 ? series.SurgeOnsets : [])
        {
            var x = X(onset, x0, x1);
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{x:0.#}" y1="{loadTop}" x2="{x:0.#}" y2="{replicasTop + PanelHeight}" stroke="#bbbbbb" stroke-dasharray="3,3"/>""").Append('\n');
        }

        Line(svg, series.Minutes, series.Load, loadTop, maxLoad, x0, x1, "#444444", 1.2);
        Line(svg, series.Minutes, series.Forecast, loadTop, maxLoad, x0, x1, Colours[Policies.Predictive], 1.0);
        foreach (var (policy, replicas) in series.Replicas)
        {
            Line(svg, series.Minutes, replicas, replicasTop, maxReplicas, x0, x1, Colours.GetValueOrDefault(policy, "#9467bd"), 1.0);
        }

        var legendY = replicasTop + PanelHeight + 38;
        var legend = new List<(string Name, string Colour)> { ("load", "#444444"), ("predicted_load", Colours[Policies.Predictive]) };
        legend.AddRange(series.Replicas.Keys.Select(p => ($"replicas: {p}", Colours.GetValueOrDefault(p, "#9467bd"))));
        legend.Add(("surge onset", "#bbbbbb"));
        var legendX = Left;
        foreach (var (name, colour) in legend)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{legendX}" y1="{legendY - 4}" x2="{legendX + 22}" y2="{legendY - 4}" stroke="{colour}" stroke-width="3"/><text x="{legendX + 28}" y="{legendY}">{Escape(name)}</text>""").Append('\n');
            legendX += 40 + (7 * name.Length);
        }

        return svg.Append("</svg>\n").ToString();
    }

    private static void Axes(StringBuilder svg, int top, double max, string label, double x0, double x1)
    {
        var bottom = top + PanelHeight;
        svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{Left}" y="{top}" width="{Width - Left - Right}" height="{PanelHeight}" fill="none" stroke="#888888"/>""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="12" y="{top + (PanelHeight / 2)}" transform="rotate(-90 12 {top + (PanelHeight / 2)})" text-anchor="middle">{label}</text>""").Append('\n');
        for (var i = 0; i <= 4; i++)
        {
            var y = bottom - (i * PanelHeight / 4.0);
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left - 6}" y="{y + 4:0.#}" text-anchor="end">{max * i / 4:0.#}</text><line x1="{Left}" y1="{y:0.#}" x2="{Width - Right}" y2="{y:0.#}" stroke="#eeeeee"/>""").Append('\n');
        }

        var span = x1 - x0;
        var hours = span > 3 * 1440;
        for (var i = 0; i <= 6; i++)
        {
            var minute = x0 + (span * i / 6);
            var x = X(minute, x0, x1);
            var text = hours ? $"{(minute - x0) / 1440:0.#} d" : $"{(minute - x0) / 60:0.#} h";
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x:0.#}" y="{bottom + 16}" text-anchor="middle">{text}</text>""").Append('\n');
        }
    }

    /// <summary>A polyline, thinned to at most <see cref="MaxPoints"/> points (the maximum of each bucket, so peaks stay visible).</summary>
    private static void Line(StringBuilder svg, IReadOnlyList<double> minutes, IReadOnlyList<double> values, int top, double max, double x0, double x1, string colour, double width)
    {
        var bucket = Math.Max(1, (int)Math.Ceiling(minutes.Count / (double)MaxPoints));
        var points = new StringBuilder();
        for (var start = 0; start < minutes.Count; start += bucket)
        {
            var end = Math.Min(minutes.Count, start + bucket);
            var value = double.NaN;
            for (var i = start; i < end; i++)
            {
                if (double.IsFinite(values[i]) && (double.IsNaN(value) || values[i] > value))
                {
                    value = values[i];
                }
            }

            if (double.IsNaN(value))
            {
                continue;
            }

            var y = top + PanelHeight - (PanelHeight * Math.Min(value, max) / max);
            points.Append(CultureInfo.InvariantCulture, $"{X(minutes[start], x0, x1):0.#},{y:0.#} ");
        }

        svg.Append(CultureInfo.InvariantCulture, $"""<polyline fill="none" stroke="{colour}" stroke-width="{width:0.#}" points="{points.ToString().TrimEnd()}"/>""").Append('\n');
    }

    private static double X(double minute, double x0, double x1) => Left + ((Width - Left - Right) * (x1 > x0 ? (minute - x0) / (x1 - x0) : 0));

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
