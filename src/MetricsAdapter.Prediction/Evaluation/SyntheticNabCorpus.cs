using System.Globalization;
using MetricsAdapter.Prediction.Numerics;

namespace MetricsAdapter.Prediction.Evaluation;

/// <summary>
/// Labelled series made up from scratch, in NAB's shape, so that a detector can be held out against kinds of data the
/// 28 NAB files lack. Each file draws a background — level anywhere from 10⁻² to 10⁵, a season of 24 to 288 steps
/// or none, AR(1) wander, Gaussian, Laplace, Poisson-count or log-normal noise, sometimes rounded — and a length of
/// 1,500 to 16,000 rows; one category per kind of anomaly production latency shows: spikes, level shifts, variance
/// bursts, slow drifts, seasonality changes, stuck values, and none. Labels mark each anomaly's onset and become
/// windows exactly as NAB makes them (10% of the file shared among its anomalies, centred on the label; a window
/// starting in the probationary period is dropped; overlapping windows merge). Deterministic for a seed.
/// </summary>
public static class SyntheticNabCorpus
{
    /// <summary>The categories, one per kind of anomaly.</summary>
    public static IReadOnlyList<string> Categories { get; } =
        ["syntheticSpike", "syntheticLevelShift", "syntheticVarianceBurst", "syntheticDrift", "syntheticSeasonChange", "syntheticStuck", "syntheticNoAnomaly"];

    private static readonly int[] Lengths = [1500, 2500, 4000, 6000, 9000, 16000];
    private static readonly int[] Seasons = [0, 24, 48, 96, 144, 288];

    /// <param name="filesPerCategory">Files in each category.</param>
    /// <param name="seed">Everything drawn follows from it.</param>
    public static IReadOnlyList<NabFile> Generate(int filesPerCategory = 6, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(filesPerCategory, 1);
        var random = new SplitMixRandom(seed);
        var files = new List<NabFile>();
        foreach (var category in Categories)
        {
            for (var index = 0; index < filesPerCategory; index++)
            {
                files.Add(Make(category, index, new SplitMixRandom(random.NextUInt64())));
            }
        }

        return files;
    }

    /// <summary>Writes <c>&lt;dir&gt;/data/&lt;category&gt;/*.csv</c> and <c>&lt;dir&gt;/labels/combined_windows.json</c>, NAB's layout.</summary>
    public static void Write(IReadOnlyList<NabFile> files, string directory)
    {
        ArgumentNullException.ThrowIfNull(files);
        var labels = Path.Combine(directory, "labels");
        Directory.CreateDirectory(labels);
        using var windows = new StreamWriter(Path.Combine(labels, "combined_windows.json"));
        windows.Write("{\n");
        for (var f = 0; f < files.Count; f++)
        {
            var file = files[f];
            var path = Path.Combine(directory, "data", file.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (var writer = new StreamWriter(path))
            {
                writer.Write("timestamp,value\n");
                for (var i = 0; i < file.Series.Count; i++)
                {
                    writer.Write(string.Create(CultureInfo.InvariantCulture, $"{file.Series.RawTimestamps[i]},{file.Series.Values[i]:R}\n"));
                }
            }

            var spans = file.Windows.Select(w => $"[\"{file.Series.RawTimestamps[w.Start]}.000000\", \"{file.Series.RawTimestamps[w.End]}.000000\"]");
            windows.Write($"  \"{file.RelativePath}\": [{string.Join(", ", spans)}]{(f == files.Count - 1 ? "" : ",")}\n");
        }

        windows.Write("}\n");
    }

    private static NabFile Make(string category, int index, SplitMixRandom random)
    {
        var length = Lengths[random.Next(Lengths.Length)];
        var background = Background.Draw(random);
        var anomalies = category == "syntheticNoAnomaly" ? 0 : 1 + random.Next(2);
        var onsets = new List<int>();
        for (var a = 0; a < anomalies; a++)
        {
            // Spread over the scored part, apart from each other.
            var lo = (0.2 + (0.7 * a / anomalies)) * length;
            var hi = (0.2 + (0.7 * (a + 1) / anomalies)) * length;
            onsets.Add((int)(lo + (random.NextDouble() * (hi - lo) * 0.8)));
        }

        var values = new double[length];
        var clean = new double[length];
        for (var t = 0; t < length; t++)
        {
            clean[t] = background.Mean(t);
        }

        var noiseScale = new double[length];
        Array.Fill(noiseScale, 1.0);
        var season = background.Season;
        foreach (var onset in onsets)
        {
            var sign = random.NextDouble() < 0.7 ? 1.0 : -1.0;
            var size = 3.0 + (4.0 * random.NextDouble());
            var duration = Math.Max(10, (int)(length * (0.01 + (0.03 * random.NextDouble()))));
            switch (category)
            {
                case "syntheticSpike":
                    var spikes = 1 + random.Next(3);
                    for (var s = 0; s < spikes; s++)
                    {
                        clean[Math.Min(length - 1, onset + (s * (1 + random.Next(5))))] += sign * 2.0 * size * background.Spread;
                    }

                    break;
                case "syntheticLevelShift":
                    for (var t = onset; t < length; t++)
                    {
                        clean[t] += sign * size * background.Spread;
                    }

                    break;
                case "syntheticVarianceBurst":
                    for (var t = onset; t < Math.Min(length, onset + duration); t++)
                    {
                        noiseScale[t] = 1.5 + size;
                    }

                    break;
                case "syntheticDrift":
                    var ramp = Math.Max(20, (int)(length * 0.05));
                    for (var t = onset; t < length; t++)
                    {
                        clean[t] += sign * size * background.Spread * Math.Min(1.0, (t - onset) / (double)ramp);
                    }

                    break;
                case "syntheticSeasonChange":
                    // The season moves by half a period and grows (or, without a season, one appears).
                    var period = season > 0 ? season : Seasons[1 + random.Next(Seasons.Length - 1)];
                    var amplitude = Math.Max(background.SeasonAmplitude, size * background.Spread);
                    for (var t = onset; t < length; t++)
                    {
                        var before = season > 0 ? background.SeasonAmplitude * Math.Sin(2 * Math.PI * t / period) : 0.0;
                        clean[t] += (amplitude * Math.Sin(2 * Math.PI * (t + (period / 2.0)) / period)) - before;
                    }

                    break;
                case "syntheticStuck":
                    var stuck = clean[onset];
                    for (var t = onset; t < Math.Min(length, onset + (2 * duration)); t++)
                    {
                        clean[t] = stuck;
                        noiseScale[t] = 0.0;
                    }

                    break;
                default:
                    throw new InvalidOperationException($"unknown synthetic category {category}");
            }
        }

        for (var t = 0; t < length; t++)
        {
            values[t] = background.Observe(clean[t], noiseScale[t], random);
        }

        var name = $"{category}/synthetic_{category["synthetic".Length..].ToLowerInvariant()}_{index}.csv";
        var start = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var step = TimeSpan.FromMinutes(5);
        var timestamps = Enumerable.Range(0, length).Select(t => start + (t * step)).ToList();
        var raw = timestamps.Select(t => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).ToList();
        var series = new TimeSeries(Path.GetFileNameWithoutExtension(name), raw, timestamps, values);
        return new NabFile(name, series, Windows(length, onsets));
    }

    /// <summary>NAB's windows for labels at these rows (scripts/combine_labels.py; docs/nab-scoring.md §2).</summary>
    public static IReadOnlyList<(int Start, int End)> Windows(int length, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0)
        {
            return [];
        }

        var width = (int)(0.10 * length / labels.Count);
        var probation = (int)Math.Min(Math.Floor(0.15 * length), 750);
        var windows = new List<(int Start, int End)>();
        foreach (var label in labels.Order())
        {
            var start = Math.Max(0, label - (width / 2));
            var end = Math.Min(length - 1, label + (width / 2));
            if (start < probation)
            {
                continue;
            }

            if (windows.Count > 0 && start <= windows[^1].End)
            {
                windows[^1] = (windows[^1].Start, Math.Max(windows[^1].End, end));
            }
            else
            {
                windows.Add((start, end));
            }
        }

        return windows;
    }

    /// <summary>What a file looks like without anomalies: level, season, wander and noise.</summary>
    private sealed class Background
    {
        private readonly double _level;
        private readonly double _wander;
        private readonly double _phi;
        private readonly int _noiseKind;
        private readonly double _rounding;
        private double _walk;

        private Background(SplitMixRandom random)
        {
            _level = Math.Pow(10, -2 + (7 * random.NextDouble()));
            Spread = _level * (0.02 + (0.3 * random.NextDouble()));
            Season = Seasons[random.Next(Seasons.Length)];
            SeasonAmplitude = Season > 0 ? Spread * 4 * random.NextDouble() : 0.0;
            _phi = 0.9 + (0.09 * random.NextDouble());
            _wander = random.NextDouble() < 0.5 ? 0.0 : Spread * random.NextDouble();
            _noiseKind = random.Next(4);
            _rounding = random.NextDouble() < 0.25 ? Math.Pow(10, Math.Floor(Math.Log10(Spread))) : 0.0;
        }

        /// <summary>The noise's scale: anomaly sizes are multiples of it.</summary>
        public double Spread { get; }

        /// <summary>Steps per season; 0 for none.</summary>
        public int Season { get; }

        public double SeasonAmplitude { get; }

        public static Background Draw(SplitMixRandom random) => new(random);

        public double Mean(int t) => _level + (Season > 0 ? SeasonAmplitude * Math.Sin(2 * Math.PI * t / Season) : 0.0);

        public double Observe(double mean, double noiseScale, SplitMixRandom random)
        {
            _walk = (_phi * _walk) + (_wander * Math.Sqrt(1 - (_phi * _phi)) * Gaussian(random));
            var centre = mean + _walk;
            var noise = noiseScale * Spread;
            var value = _noiseKind switch
            {
                0 => centre + (noise * Gaussian(random)),
                1 => centre + (noise / Math.Sqrt(2) * Laplace(random)),
                2 => Poisson(Math.Max(centre, 0), noise, random),
                _ => centre * Math.Exp(noise / _level * Gaussian(random)),
            };
            if (noiseScale == 0.0)
            {
                value = mean;
            }

            return _rounding > 0 ? Math.Round(value / _rounding) * _rounding : value;
        }

        /// <summary>Counts: a Poisson draw whose standard deviation is the noise (normal approximation beyond small rates).</summary>
        private static double Poisson(double centre, double noise, SplitMixRandom random)
        {
            var unit = noise > 0 ? noise * noise / Math.Max(centre, 1e-12) : 1.0;
            var rate = centre / unit;
            if (rate < 30)
            {
                var limit = Math.Exp(-rate);
                var product = random.NextDouble();
                var count = 0;
                while (product > limit && count < 1000)
                {
                    product *= random.NextDouble();
                    count++;
                }

                return count * unit;
            }

            return Math.Max(0, rate + (Math.Sqrt(rate) * Gaussian(random))) * unit;
        }

        private static double Gaussian(SplitMixRandom random)
        {
            var u = 1.0 - random.NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble());
        }

        private static double Laplace(SplitMixRandom random)
        {
            var u = random.NextDouble() - 0.5;
            return -Math.Sign(u) * Math.Log(1 - (2 * Math.Abs(u)));
        }
    }
}
