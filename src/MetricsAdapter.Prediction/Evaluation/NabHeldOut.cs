namespace MetricsAdapter.Prediction.Evaluation;

/// <summary>How the corpus is split into folds for a held-out score.</summary>
public enum NabProtocol
{
    /// <summary>Leave one category out: each category is scored with what was chosen on the others.</summary>
    Loco,

    /// <summary>Leave one file out: each file is scored with what was chosen on the other files.</summary>
    Lofo,
}

/// <summary>One configuration's scores on every file of the corpus, in corpus order.</summary>
public sealed record NabCandidate(string Name, IReadOnlyList<double[]> Scores);

/// <summary>What one fold chose on its training files and how that did on the file(s) held out.</summary>
public sealed record NabFold(string HeldOut, string Candidate, double Threshold, double RawScore, int Windows);

/// <summary>One profile's in-sample and held-out scores.</summary>
/// <param name="Profile">The NAB profile.</param>
/// <param name="InSample">The best candidate with its threshold chosen on every file: what <c>evaluate nab</c> reports.</param>
/// <param name="InSampleCandidate">That candidate.</param>
/// <param name="HeldOut">Every fold's held-out raw score summed, normalised over the whole corpus's windows.</param>
/// <param name="CategoryHeldOut">The same per category; null for a category without windows.</param>
/// <param name="Folds">Each fold's choice and outcome.</param>
public sealed record NabHeldOutScore(
    string Profile,
    double InSample,
    string InSampleCandidate,
    double HeldOut,
    IReadOnlyDictionary<string, double?> CategoryHeldOut,
    IReadOnlyList<NabFold> Folds);

/// <summary>
/// A held-out NAB score. NAB fits the threshold to the very data it scores, and we chose detectors and their
/// parameters on the same 28 files; both flatter the score. Here each fold's threshold, and the candidate when
/// several are given, are chosen on the other folds only, and the fold is scored with them. The gap between the
/// in-sample and the held-out score is how much of the score was fitted rather than earned.
/// </summary>
public static class NabHeldOut
{
    /// <exception cref="ArgumentException">No candidate, or a candidate whose scores do not match the corpus.</exception>
    public static IReadOnlyList<NabHeldOutScore> Score(IReadOnlyList<NabFile> corpus, IReadOnlyList<NabCandidate> candidates, NabProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0)
        {
            throw new ArgumentException("at least one candidate is needed", nameof(candidates));
        }

        foreach (var candidate in candidates)
        {
            if (candidate.Scores.Count != corpus.Count || candidate.Scores.Where((s, f) => s.Length != corpus[f].Series.Count).Any())
            {
                throw new ArgumentException($"candidate {candidate.Name}: one score per row of every file is needed", nameof(candidates));
            }
        }

        var folds = Folds(corpus, protocol);
        var windows = corpus.Sum(f => f.Windows.Count);
        var all = Enumerable.Range(0, corpus.Count).ToArray();
        var results = new List<NabHeldOutScore>();
        foreach (var profile in NabProfile.All)
        {
            var (inSampleCandidate, inSample) = Choose(corpus, candidates, all, profile);
            var outcomes = new List<NabFold>();
            var rawByCategory = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (name, heldOut) in folds)
            {
                var training = all.Except(heldOut).ToArray();
                var (chosen, trained) = Choose(corpus, candidates, training, profile);
                // Each held-out file scored once: a fold's raw score is the sum of its files'.
                var foldRaw = 0.0;
                foreach (var file in heldOut)
                {
                    var raw = new NabScorer([corpus[file]]).ScoreAt([chosen.Scores[file]], profile, trained.Threshold).RawScore;
                    foldRaw += raw;
                    rawByCategory[corpus[file].Category] = rawByCategory.GetValueOrDefault(corpus[file].Category) + raw;
                }

                outcomes.Add(new NabFold(name, chosen.Name, trained.Threshold, foldRaw, heldOut.Sum(f => corpus[f].Windows.Count)));
            }

            var categories = rawByCategory.Keys.Order(StringComparer.Ordinal).ToDictionary(
                category => category,
                category => corpus.Where(f => f.Category == category).Sum(f => f.Windows.Count) is var count and > 0
                    ? NabScorer.Normalise(rawByCategory[category], profile, count)
                    : (double?)null,
                StringComparer.Ordinal);
            results.Add(new NabHeldOutScore(
                profile.Name,
                inSample.Score,
                inSampleCandidate.Name,
                NabScorer.Normalise(outcomes.Sum(o => o.RawScore), profile, windows),
                categories,
                outcomes));
        }

        return results;
    }

    /// <summary>The folds of a protocol, each a name and the corpus indices it holds out; corpus order within and across folds.</summary>
    public static IReadOnlyList<(string Name, int[] Files)> Folds(IReadOnlyList<NabFile> corpus, NabProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        return protocol switch
        {
            NabProtocol.Loco => corpus.Select((file, index) => (file.Category, index))
                .GroupBy(entry => entry.Category, StringComparer.Ordinal)
                .Select(group => (group.Key, group.Select(entry => entry.index).ToArray()))
                .ToList(),
            NabProtocol.Lofo => corpus.Select((file, index) => (file.RelativePath, new[] { index })).ToList(),
            _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
        };
    }

    /// <summary>The candidate whose optimised threshold scores best on these files (ties: the earlier candidate).</summary>
    private static (NabCandidate Candidate, NabProfileScore Score) Choose(IReadOnlyList<NabFile> corpus, IReadOnlyList<NabCandidate> candidates, int[] files, NabProfile profile)
    {
        var scorer = new NabScorer(Subset(corpus, files));
        (NabCandidate Candidate, NabProfileScore Score)? best = null;
        foreach (var candidate in candidates)
        {
            var score = scorer.Score(Subset(candidate.Scores, files), profile);
            if (best is null || score.RawScore > best.Value.Score.RawScore)
            {
                best = (candidate, score);
            }
        }

        return best!.Value;
    }

    private static List<T> Subset<T>(IReadOnlyList<T> items, int[] indices) => indices.Select(i => items[i]).ToList();
}
