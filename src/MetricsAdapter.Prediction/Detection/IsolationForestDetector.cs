using MetricsAdapter.Prediction.Numerics;
using MetricsAdapter.Prediction.State;

namespace MetricsAdapter.Prediction.Detection;

/// <summary>
/// Isolation Forest over sliding-window features of the series: [x, x − previous, mean and population standard
/// deviation of the last 5, x − mean of the previous 20]. A forest of 50 trees, each grown on 256 feature rows
/// drawn without replacement from the last 1000, is retrained every 250 observations; points that are isolated in
/// few splits score near 1 (2^(−E[depth]/c(256))). Scores 0 until the first forest exists. Seeded: deterministic.
/// </summary>
public sealed class IsolationForestDetector : AnomalyDetectorBase
{
    private const int FeatureCount = 5;
    private readonly int _trees;
    private readonly int _sample;
    private readonly int _retrainEvery;
    private readonly ulong _seed;
    private readonly RingBuffer _recent = new(21);
    private readonly RingBuffer[] _features;
    private readonly SplitMixRandom _random;
    private IsolationTree[] _forest = [];
    private double _normaliser;
    private long _sinceTraining;

    public IsolationForestDetector(int trees = 50, int sample = 256, int buffer = 1000, int retrainEvery = 250, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trees, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sample, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(buffer, sample);
        (_trees, _sample, _retrainEvery, _seed) = (trees, sample, retrainEvery, seed);
        _features = Enumerable.Range(0, FeatureCount).Select(_ => new RingBuffer(buffer)).ToArray();
        _random = new SplitMixRandom(seed);
    }

    public override string Name => "isolation-forest";

    public override string StateKey => $"isolation-forest({_trees},{_sample},{_features[0].Capacity},{_retrainEvery},{_seed})";

    public override bool IsWarm => _forest.Length > 0;

    protected override double Process(double value, bool learn)
    {
        // The last 21 values with this one: the features' whole reach.
        var reach = _recent.Capacity;
        Span<double> recent = stackalloc double[reach];
        var kept = Math.Min(_recent.Count, reach - 1);
        for (var i = 0; i < kept; i++)
        {
            recent[i] = _recent[_recent.Count - kept + i];
        }

        recent[kept] = value;
        Span<double> row = stackalloc double[FeatureCount];
        Features(recent[..(kept + 1)], row);
        var score = _forest.Length > 0 ? Score(row) : 0.0;
        if (!learn)
        {
            return score;
        }

        _recent.Add(value);
        for (var f = 0; f < FeatureCount; f++)
        {
            _features[f].Add(row[f]);
        }

        if (++_sinceTraining >= _retrainEvery)
        {
            Train();
            _sinceTraining = 0;
        }

        return score;
    }

    private static void Features(ReadOnlySpan<double> recent, Span<double> row)
    {
        var n = recent.Length;
        var x = recent[n - 1];
        row[0] = x;
        row[1] = n >= 2 ? x - recent[n - 2] : 0.0;
        var shortCount = Math.Min(5, n);
        var mean = 0.0;
        for (var i = n - shortCount; i < n; i++)
        {
            mean += recent[i];
        }

        mean /= shortCount;
        var variance = 0.0;
        for (var i = n - shortCount; i < n; i++)
        {
            variance += (recent[i] - mean) * (recent[i] - mean);
        }

        row[2] = mean;
        row[3] = Math.Sqrt(variance / shortCount);
        var previous = Math.Min(20, n - 1);
        var baseline = 0.0;
        for (var i = n - 1 - previous; i < n - 1; i++)
        {
            baseline += recent[i];
        }

        row[4] = previous > 0 ? x - (baseline / previous) : 0.0;
    }

    private double Score(ReadOnlySpan<double> row)
    {
        var depth = 0.0;
        foreach (var tree in _forest)
        {
            depth += tree.PathLength(row);
        }

        return Math.Pow(2.0, -(depth / _forest.Length) / _normaliser);
    }

    private void Train()
    {
        var rows = _features[0].Count;
        var size = Math.Min(_sample, rows);
        var maxDepth = (int)Math.Ceiling(Math.Log2(Math.Max(size, 2)));
        var indices = new int[rows];
        var forest = new IsolationTree[_trees];

        // One sample buffer refilled for every tree: a grown tree keeps its splits, not the rows it grew from.
        var sample = new double[size][];
        for (var i = 0; i < size; i++)
        {
            sample[i] = new double[FeatureCount];
        }

        for (var t = 0; t < _trees; t++)
        {
            for (var i = 0; i < rows; i++)
            {
                indices[i] = i;
            }

            // Partial Fisher-Yates: the first `size` indices become a sample without replacement.
            for (var i = 0; i < size; i++)
            {
                var j = i + _random.Next(rows - i);
                (indices[i], indices[j]) = (indices[j], indices[i]);
            }

            for (var i = 0; i < size; i++)
            {
                for (var f = 0; f < FeatureCount; f++)
                {
                    sample[i][f] = _features[f][indices[i]];
                }
            }

            forest[t] = IsolationTree.Grow(sample, maxDepth, _random);
        }

        _forest = forest;
        _normaliser = IsolationTree.AveragePathLength(size);
    }

    protected override void WriteModel(StateWriter writer)
    {
        writer.WriteRing(_recent);
        foreach (var feature in _features)
        {
            writer.WriteRing(feature);
        }

        _random.WriteState(writer);
        writer.Write(_sinceTraining);
        writer.Write(_normaliser);
        writer.Write(_forest.Length);
        foreach (var tree in _forest)
        {
            tree.WriteState(writer);
        }
    }

    protected override void ReadModel(StateReader reader)
    {
        reader.ReadInto(_recent);
        foreach (var feature in _features)
        {
            reader.ReadInto(feature);
        }

        _random.ReadState(reader);
        _sinceTraining = reader.ReadInt64();
        _normaliser = reader.ReadDouble();
        var trees = reader.ReadInt32();
        if (trees != 0 && trees != _trees)
        {
            throw new ModelStateException($"snapshot holds {trees} trees, not {_trees}");
        }

        _forest = Enumerable.Range(0, trees).Select(_ => IsolationTree.ReadState(reader)).ToArray();
    }

    /// <summary>One tree as arrays: a node is a leaf when its feature is −1.</summary>
    private sealed class IsolationTree
    {
        private readonly List<int> _feature = [];
        private readonly List<double> _split = [];
        private readonly List<int> _left = [];
        private readonly List<int> _right = [];
        private readonly List<int> _size = [];

        public static IsolationTree Grow(double[][] rows, int maxDepth, SplitMixRandom random)
        {
            var tree = new IsolationTree();
            tree.Build(rows, 0, maxDepth, random);
            return tree;
        }

        /// <summary>c(n): the average path length of an unsuccessful search in a binary search tree of n items.</summary>
        public static double AveragePathLength(int n) =>
            n <= 1 ? 0.0 : (2.0 * (Math.Log(n - 1) + 0.5772156649)) - (2.0 * (n - 1) / n);

        public double PathLength(ReadOnlySpan<double> row)
        {
            var node = 0;
            var depth = 0.0;
            while (_feature[node] >= 0)
            {
                node = row[_feature[node]] < _split[node] ? _left[node] : _right[node];
                depth++;
            }

            return depth + AveragePathLength(_size[node]);
        }

        public void WriteState(StateWriter writer)
        {
            writer.Write(_feature.Count);
            for (var i = 0; i < _feature.Count; i++)
            {
                writer.Write(_feature[i]);
                writer.Write(_split[i]);
                writer.Write(_left[i]);
                writer.Write(_right[i]);
                writer.Write(_size[i]);
            }
        }

        public static IsolationTree ReadState(StateReader reader)
        {
            var tree = new IsolationTree();
            var nodes = reader.ReadInt32();
            if (nodes is < 1 or > 1_000_000)
            {
                throw new ModelStateException($"snapshot tree of {nodes} nodes");
            }

            for (var i = 0; i < nodes; i++)
            {
                tree._feature.Add(reader.ReadInt32());
                tree._split.Add(reader.ReadDouble());
                tree._left.Add(reader.ReadInt32());
                tree._right.Add(reader.ReadInt32());
                tree._size.Add(reader.ReadInt32());
            }

            return tree;
        }

        private int Build(double[][] rows, int depth, int maxDepth, SplitMixRandom random)
        {
            var index = _feature.Count;
            _feature.Add(-1);
            _split.Add(0);
            _left.Add(-1);
            _right.Add(-1);
            _size.Add(rows.Length);
            if (depth >= maxDepth || rows.Length <= 1)
            {
                return index;
            }

            Span<double> low = stackalloc double[FeatureCount];
            Span<double> high = stackalloc double[FeatureCount];
            low.Fill(double.PositiveInfinity);
            high.Fill(double.NegativeInfinity);
            foreach (var row in rows)
            {
                for (var f = 0; f < FeatureCount; f++)
                {
                    low[f] = Math.Min(low[f], row[f]);
                    high[f] = Math.Max(high[f], row[f]);
                }
            }

            Span<int> candidates = stackalloc int[FeatureCount];
            var count = 0;
            for (var f = 0; f < FeatureCount; f++)
            {
                if (high[f] > low[f])
                {
                    candidates[count++] = f;
                }
            }

            if (count == 0)
            {
                return index;
            }

            var feature = candidates[random.Next(count)];
            var split = low[feature] + (random.NextDouble() * (high[feature] - low[feature]));
            var left = rows.Where(r => r[feature] < split).ToArray();
            var right = rows.Where(r => r[feature] >= split).ToArray();
            _feature[index] = feature;
            _split[index] = split;
            _left[index] = Build(left, depth + 1, maxDepth, random);
            _right[index] = Build(right, depth + 1, maxDepth, random);
            return index;
        }
    }
}
