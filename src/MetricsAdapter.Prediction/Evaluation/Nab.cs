using System.Globalization;
using System.Text.Json;

namespace MetricsAdapter.Prediction.Evaluation;

/// <summary>A NAB application profile: the weights of true positives, false negatives and false positives.</summary>
public sealed record NabProfile(string Name, double TruePositive, double FalseNegative, double FalsePositive)
{
    /// <summary>NAB v1.1's three profiles (<c>config/profiles.json</c>).</summary>
    public static IReadOnlyList<NabProfile> All { get; } =
    [
        new("standard", 1.0, 1.0, 0.11),
        new("reward_low_FP_rate", 1.0, 1.0, 0.22),
        new("reward_low_FN_rate", 1.0, 2.0, 0.11),
    ];
}

/// <summary>One data file of the corpus with its anomaly windows (row index ranges, inclusive).</summary>
public sealed record NabFile(string RelativePath, TimeSeries Series, IReadOnlyList<(int Start, int End)> Windows)
{
    public string Category => RelativePath.Split('/')[0];

    public string FileName => Path.GetFileName(RelativePath);

    /// <summary>Rows before this index are NAB's probationary period: never scored (15%, at most 750 rows).</summary>
    public int Probation => (int)Math.Min(Math.Floor(0.15 * Series.Count), 750);

    public bool InWindow(int row) => Windows.Any(w => row >= w.Start && row <= w.End);
}

/// <summary>The NAB corpus: every file named in the windows file, read from the data directory.</summary>
public static class NabCorpus
{
    /// <summary>Data files in the whole NAB v1.1 corpus; published results are on all of them.</summary>
    public const int FullCorpusFiles = 58;

    /// <exception cref="InvalidDataException">The windows file or a data file is unusable; the message says which.</exception>
    public static IReadOnlyList<NabFile> Load(string dataDirectory, string windowsFile)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(windowsFile));
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{windowsFile}: expected an object of file → windows");
        }

        var files = new List<NabFile>();
        foreach (var entry in document.RootElement.EnumerateObject().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var path = Path.Combine(dataDirectory, entry.Name);
            if (!File.Exists(path))
            {
                throw new InvalidDataException($"{windowsFile} names {entry.Name}, which is not under {dataDirectory}");
            }

            var series = TimeSeries.ReadCsv(path, entry.Name);
            var rows = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < series.Count; i++)
            {
                rows.TryAdd(Key(series.RawTimestamps[i]), i);
            }

            var windows = new List<(int, int)>();
            foreach (var window in entry.Value.EnumerateArray())
            {
                var start = window[0].GetString() ?? string.Empty;
                var end = window[1].GetString() ?? string.Empty;
                if (!rows.TryGetValue(Key(start), out var first) || !rows.TryGetValue(Key(end), out var last))
                {
                    throw new InvalidDataException($"{windowsFile}: window [{start}, {end}] of {entry.Name} does not match its timestamps");
                }

                windows.Add((first, last));
            }

            files.Add(new NabFile(entry.Name, series, windows));
        }

        return files;
    }

    /// <summary>NAB's window timestamps carry fractional seconds; compare on the first 19 characters.</summary>
    private static string Key(string timestamp) => timestamp.Length > 19 ? timestamp[..19] : timestamp;
}

/// <summary>The outcome for one profile: the threshold NAB would choose, the raw and normalised scores, and counts.</summary>
public sealed record NabProfileScore(
    string Profile,
    double Threshold,
    double RawScore,
    double Score,
    int DetectedWindows,
    int MissedWindows,
    int FalsePositiveRows,
    IReadOnlyDictionary<string, double?> CategoryScores);

/// <summary>
/// NAB v1.1's scoring (docs/nab-scoring.md): per row a scaled-sigmoid weight (inside a window, earlier is worth more;
/// outside, a detection costs more the further it is from the last window); only the best detection per window
/// counts; each missed window costs A_FN; one threshold for the whole corpus, chosen per profile to maximise the
/// total as NAB's optimizer does; normalised so the null detector scores 0 and the perfect one 100.
/// </summary>
public sealed class NabScorer(IReadOnlyList<NabFile> files)
{
    public int WindowCount { get; } = files.Sum(f => f.Windows.Count);

    public IReadOnlyList<NabFile> Files => files;

    /// <summary>2/(1 + e^(5y)) − 1, and −1 beyond y = 3.</summary>
    public static double ScaledSigmoid(double y) => y > 3.0 ? -1.0 : (2.0 / (1.0 + Math.Exp(5.0 * y))) - 1.0;

    /// <summary>Each row's weight if detected, and its window (−1 outside any), for one file and profile.</summary>
    public static (double[] Weights, int[] Window) RowWeights(NabFile file, NabProfile profile)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(profile);
        var n = file.Series.Count;
        var weights = new double[n];
        var window = new int[n];
        var bestPossible = ScaledSigmoid(-1.0);
        int? previousRight = null;
        double previousWidth = 0;
        var current = -1;
        for (var i = 0; i < n; i++)
        {
            if (current < 0)
            {
                for (var w = 0; w < file.Windows.Count; w++)
                {
                    if (file.Windows[w].Start == i)
                    {
                        current = w;
                    }
                }
            }

            if (current >= 0)
            {
                var (start, end) = file.Windows[current];
                double width = end - start + 1;
                weights[i] = ScaledSigmoid(-(end - i + 1) / width) * profile.TruePositive / bestPossible;
                window[i] = current;
                if (i == end)
                {
                    (previousRight, previousWidth, current) = (i, width, -1);
                }
            }
            else
            {
                // With no window before it in the file, a false positive costs the full A_FP.
                weights[i] = previousRight is { } right
                    ? ScaledSigmoid(Math.Abs(right - i) / (previousWidth - 1)) * profile.FalsePositive
                    : -profile.FalsePositive;
                window[i] = -1;
            }
        }

        return (weights, window);
    }

    /// <summary>Scores one profile, choosing the threshold that maximises the corpus total (ties: the highest threshold).</summary>
    public NabProfileScore Score(IReadOnlyList<double[]> scores, NabProfile profile)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(profile);
        var rows = new List<(double Score, double Weight, int Window)>();
        var windowBase = 0;
        var prepared = new List<(double[] Weights, int[] Window)>();
        for (var f = 0; f < files.Count; f++)
        {
            var (weights, window) = RowWeights(files[f], profile);
            prepared.Add((weights, window));
            for (var i = files[f].Probation; i < weights.Length; i++)
            {
                rows.Add((scores[f][i], weights[i], window[i] < 0 ? -1 : windowBase + window[i]));
            }

            windowBase += files[f].Windows.Count;
        }

        // Stable descending sort: lowering the threshold past a group of equal scores detects them all at once.
        var order = Enumerable.Range(0, rows.Count).OrderByDescending(i => rows[i].Score).ToArray();
        var best = Enumerable.Repeat(-profile.FalseNegative, WindowCount).ToArray();
        var total = -profile.FalseNegative * WindowCount;
        var (bestTotal, bestThreshold) = (total, 1.1);
        for (var k = 0; k < order.Length; k++)
        {
            var (score, weight, window) = rows[order[k]];
            if (window < 0)
            {
                total += weight;
            }
            else if (weight > best[window])
            {
                total += weight - best[window];
                best[window] = weight;
            }

            var groupEnds = k == order.Length - 1 || rows[order[k + 1]].Score != score;
            if (groupEnds && total > bestTotal)
            {
                (bestTotal, bestThreshold) = (total, score);
            }
        }

        return Evaluate(scores, profile, bestThreshold, prepared);
    }

    /// <summary>The profile's outcome at a fixed threshold (NAB's stricter, untuned view).</summary>
    public NabProfileScore ScoreAt(IReadOnlyList<double[]> scores, NabProfile profile, double threshold)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return Evaluate(scores, profile, threshold, files.Select(f => RowWeights(f, profile)).ToList());
    }

    /// <summary>100·(S − S_null)/(S_perfect − S_null) for a set of windows.</summary>
    public static double Normalise(double raw, NabProfile profile, int windows)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var nothing = -profile.FalseNegative * windows;
        var perfect = profile.TruePositive * windows;
        return 100.0 * (raw - nothing) / (perfect - nothing);
    }

    private NabProfileScore Evaluate(IReadOnlyList<double[]> scores, NabProfile profile, double threshold, List<(double[] Weights, int[] Window)> prepared)
    {
        var raw = new Dictionary<string, double>(StringComparer.Ordinal);
        var windowsByCategory = new Dictionary<string, int>(StringComparer.Ordinal);
        int detected = 0, missed = 0, falsePositives = 0;
        for (var f = 0; f < files.Count; f++)
        {
            var file = files[f];
            var (weights, window) = prepared[f];
            var best = Enumerable.Repeat(double.NegativeInfinity, file.Windows.Count).ToArray();
            var fileRaw = 0.0;
            for (var i = file.Probation; i < weights.Length; i++)
            {
                if (scores[f][i] < threshold)
                {
                    continue;
                }

                if (window[i] < 0)
                {
                    fileRaw += weights[i];
                    falsePositives++;
                }
                else
                {
                    best[window[i]] = Math.Max(best[window[i]], weights[i]);
                }
            }

            foreach (var windowBest in best)
            {
                if (double.IsNegativeInfinity(windowBest))
                {
                    fileRaw -= profile.FalseNegative;
                    missed++;
                }
                else
                {
                    fileRaw += windowBest;
                    detected++;
                }
            }

            raw[file.Category] = raw.GetValueOrDefault(file.Category) + fileRaw;
            windowsByCategory[file.Category] = windowsByCategory.GetValueOrDefault(file.Category) + file.Windows.Count;
        }

        var total = raw.Values.Sum();
        var categories = raw.Keys.Order(StringComparer.Ordinal).ToDictionary(
            c => c,
            c => windowsByCategory[c] == 0 ? (double?)null : Normalise(raw[c], profile, windowsByCategory[c]),
            StringComparer.Ordinal);
        return new NabProfileScore(profile.Name, threshold, total, Normalise(total, profile, WindowCount), detected, missed, falsePositives, categories);
    }
}

/// <summary>Runs a detector over every file as a stream (a fresh detector per file, no look-ahead) and writes NAB results files.</summary>
public static class NabRunner
{
    /// <summary>The scores per file, in corpus order.</summary>
    public static IReadOnlyList<double[]> Run(IReadOnlyList<NabFile> files, Func<Detection.IAnomalyDetector> createDetector, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(createDetector);
        var results = new List<double[]>(files.Count);
        for (var f = 0; f < files.Count; f++)
        {
            progress?.Report($"[{f + 1}/{files.Count}] {files[f].RelativePath}");
            var detector = createDetector();
            var values = files[f].Series.Values;
            var scores = new double[values.Count];
            for (var i = 0; i < scores.Length; i++)
            {
                scores[i] = detector.ScoreAndLearn(values[i]);
            }

            results.Add(scores);
        }

        return results;
    }

    /// <summary>Writes <c>&lt;out&gt;/&lt;detector&gt;/&lt;category&gt;/&lt;detector&gt;_&lt;file&gt;.csv</c> with timestamp, value, anomaly_score, label.</summary>
    public static void WriteResults(string outputDirectory, string detector, IReadOnlyList<NabFile> files, IReadOnlyList<double[]> scores)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(scores);
        for (var f = 0; f < files.Count; f++)
        {
            var file = files[f];
            var directory = Path.Combine(outputDirectory, detector, file.Category);
            Directory.CreateDirectory(directory);
            using var writer = new StreamWriter(Path.Combine(directory, $"{detector}_{file.FileName}"));
            writer.Write("timestamp,value,anomaly_score,label\n");
            for (var i = 0; i < file.Series.Count; i++)
            {
                writer.Write(string.Create(CultureInfo.InvariantCulture,
                    $"{file.Series.RawTimestamps[i]},{file.Series.Values[i]:R},{scores[f][i]:R},{(file.InWindow(i) ? 1 : 0)}\n"));
            }
        }
    }
}
