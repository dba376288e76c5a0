using System.Globalization;
using MetricsAdapter.Prediction.Evaluation;

namespace MetricsAdapter.Prediction.Tests;

internal static class NabTestFiles
{
    /// <summary>A file of <paramref name="rows"/> zeros, 5 minutes apart, with the given windows; probation is 15% of the rows.</summary>
    public static NabFile Flat(string relativePath, int rows, params (int Start, int End)[] windows)
    {
        var start = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var times = Enumerable.Range(0, rows).Select(i => start.AddMinutes(5 * i)).ToArray();
        var series = new TimeSeries(Path.GetFileNameWithoutExtension(relativePath), times.Select(t => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).ToArray(), times, new double[rows]);
        return new NabFile(relativePath, series, windows);
    }
}
