#!/usr/bin/python3
"""Train a small forecaster (LSTM) or anomaly detector (dense autoencoder) on timestamp,value CSV histories and
export it to ONNX with the metadata the adapter needs to serve it.

    train.py forecaster --data DIR_OR_CSV --out m.onnx [--window 32] [--horizon 2] [--quantiles 0.5,0.9]
    train.py detector   --data DIR_OR_CSV --out m.onnx [--window 32]

Both graphs take RAW values ([batch, window] float32, oldest first) and normalise each window inside the graph, so
one model serves series of any scale (see README.md for the exact formulas). Deterministic for a seed: the same
data, flags and seed give a byte-identical .onnx file.
"""

import argparse
import fnmatch
import hashlib
import io
import os
import sys
import warnings
from datetime import datetime, timezone

import torch
from torch import nn

OPSET = 14
FORECAST_NORMALISATION = "window-mean-abs-v1"
DETECT_NORMALISATION = "window-zscore-v1"
EPS = 1e-6  # absolute floor of both scales (see README.md)
ZSCORE_RELATIVE_FLOOR = 1e-3  # detector: the spread is floored at 0.1 % of the window's mean |x|
TARGET_CLIP = 20.0  # forecaster training: normalised targets are clipped to +-20


# ---------------------------------------------------------------- data


def parse_time(text):
    """A timestamp as the C# reader takes it (ISO 8601, space or T, optional zone); no zone means UTC."""
    t = datetime.fromisoformat(text.strip())
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


def read_csv(path):
    """(timestamps, values) of a timestamp,value CSV; a first line whose value is not a number is a header."""
    times, values = [], []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            stamp, _, value = line.partition(",")
            try:
                v = float(value)
            except ValueError:
                if number == 1:
                    continue
                raise ValueError(f"{path}:{number}: \"{value}\" is not a number")
            times.append(parse_time(stamp))
            values.append(v)
    if not values:
        raise ValueError(f"{path}: no rows")
    return times, values


def find_files(data, files=None, exclude=()):
    """The CSV files under each --data path (a file or a directory, searched recursively), as (path, relative name),
    ordered by relative name. --files keeps only the listed names, --exclude drops names matching a glob; both match
    the path relative to its --data directory or the file's base name."""
    found = []
    for root in data:
        if os.path.isfile(root):
            found.append((root, os.path.basename(root)))
            continue
        if not os.path.isdir(root):
            raise ValueError(f"--data {root}: no such file or directory")
        for directory, _, names in os.walk(root):
            for name in names:
                if name.endswith(".csv"):
                    path = os.path.join(directory, name)
                    found.append((path, os.path.relpath(path, root)))

    def matches(relative, pattern):
        return fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(os.path.basename(relative), pattern)

    if files:
        found = [f for f in found if any(matches(f[1], p) for p in files)]
    found = [f for f in found if not any(matches(f[1], p) for p in exclude)]
    found.sort(key=lambda f: (os.path.basename(f[1]), f[1]))
    if not found:
        raise ValueError("no training CSV file left (check --data, --files and --exclude)")
    return found


def step_seconds(times):
    """The typical step: the median positive gap, as the C# TimeSeries.Interval() computes it."""
    gaps = sorted(g for g in ((b - a).total_seconds() for a, b in zip(times, times[1:])) if g > 0)
    return gaps[len(gaps) // 2] if gaps else 60.0


def segments(times, values, step):
    """Runs of rows whose consecutive timestamps are exactly one step apart (windows never span a gap)."""
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or (times[i] - times[i - 1]).total_seconds() != step:
            yield values[start:i]
            start = i


def windows(values, length, max_count):
    """Up to max_count windows of `length` consecutive values, evenly spaced over the series, as a [n, length] tensor."""
    series = torch.tensor(values, dtype=torch.float64)
    if len(series) < length:
        return torch.empty(0, length, dtype=torch.float64)
    all_windows = series.unfold(0, length, 1)
    if len(all_windows) > max_count:
        all_windows = all_windows[torch.linspace(0, len(all_windows) - 1, max_count).round().long()]
    return all_windows


def load(files, length, max_per_file, step_override=None):
    """Windows of `length` values from every file (at most max_per_file each) and the data's provenance."""
    digest, names, steps, newest, chunks = hashlib.sha256(), [], set(), None, []
    for path, relative in files:
        with open(path, "rb") as f:
            digest.update(f.read())
        times, values = read_csv(path)
        step = step_seconds(times)
        steps.add(step)
        newest = max(times) if newest is None else max(newest, max(times))
        names.append(os.path.basename(relative))
        pieces = [w for s in segments(times, values, step) if len(w := windows(s, length, 10**9))]
        if not pieces:
            print(f"train: {relative}: shorter than {length} rows, skipped", file=sys.stderr)
            continue
        file_windows = torch.cat(pieces)
        if len(file_windows) > max_per_file:
            file_windows = file_windows[torch.linspace(0, len(file_windows) - 1, max_per_file).round().long()]
        chunks.append(file_windows)
        print(f"train: {relative}: {len(values)} rows, step {step:g} s, {len(file_windows)} windows", file=sys.stderr)
    if not chunks:
        raise ValueError(f"no file has {length} consecutive rows")
    if step_override is None and len(steps) > 1:
        raise ValueError(f"the files have different steps ({sorted(steps)} s): pass --step-seconds to say which "
                         "step the model is meant for")
    info = {
        "sha256": digest.hexdigest(),
        "files": names,
        "step": step_override if step_override is not None else steps.pop(),
        "newest": newest.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return torch.cat(chunks).float(), info


# ---------------------------------------------------------------- models


class Forecaster(nn.Module):
    """LSTM over the window divided by its mean |x|; predicts the value `horizon` steps after the window's last one at
    each quantile, as (last normalised value + a learnt correction) times the window's scale."""

    def __init__(self, window, quantiles, hidden=32, layers=1):
        super().__init__()
        self.window, self.quantiles = window, list(quantiles)
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, len(self.quantiles))

    @staticmethod
    def scale(x):
        return x.abs().mean(dim=1, keepdim=True) + EPS

    def forward(self, x):  # x: [batch, window] raw values -> [batch, quantiles] raw values
        s = self.scale(x)
        z = x / s
        h, _ = self.lstm(z.unsqueeze(-1))
        return (z[:, -1:] + self.head(h[:, -1, :])) * s


class Detector(nn.Module):
    """Dense autoencoder over the z-scored window. Outputs the reconstruction in raw units and the mean squared
    reconstruction error in z units (scale-free), one per window."""

    def __init__(self, window, hidden=32, code=8):
        super().__init__()
        self.window = window
        self.net = nn.Sequential(
            nn.Linear(window, hidden), nn.ReLU(), nn.Linear(hidden, code), nn.ReLU(),
            nn.Linear(code, hidden), nn.ReLU(), nn.Linear(hidden, window))

    @staticmethod
    def normalise(x):
        m = x.mean(dim=1, keepdim=True)
        d = ((x - m) ** 2).mean(dim=1, keepdim=True).sqrt() + ZSCORE_RELATIVE_FLOOR * x.abs().mean(dim=1, keepdim=True) + EPS
        return (x - m) / d, m, d

    def forward(self, x):  # x: [batch, window] raw -> ([batch, window] raw reconstruction, [batch] error)
        z, m, d = self.normalise(x)
        r = self.net(z)
        return r * d + m, ((z - r) ** 2).mean(dim=1)


def pinball(prediction, target, quantiles):
    """Mean pinball loss; prediction [batch, q], target [batch, 1], quantiles [q]."""
    error = target - prediction
    return torch.maximum(quantiles * error, (quantiles - 1) * error).mean()


# ---------------------------------------------------------------- training


def deterministic(seed):
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)


def train(model, inputs, loss_of, epochs, batch_size, lr, seed):
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        order = torch.randperm(len(inputs), generator=generator)
        total = 0.0
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            optimiser.zero_grad()
            loss = loss_of(batch)
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        print(f"train: epoch {epoch + 1}/{epochs} loss {total / len(inputs):.5f}", file=sys.stderr)
    model.eval()
    return model


def train_forecaster(x, y, quantiles, args):
    """x: [n, window] raw windows, y: [n] raw targets. The loss is the pinball loss in normalised units. All-zero
    windows carry no scale and are left out; normalised targets are clipped to +-TARGET_CLIP (a burst of 20 times the
    window's mean level teaches "up", its exact size would only dominate the loss)."""
    keep = x.abs().mean(dim=1) > 0
    x, y = x[keep], y[keep]
    model = Forecaster(args.window, quantiles, args.hidden, args.layers)
    q = torch.tensor(quantiles)
    s = Forecaster.scale(x)
    target = (y[:, None] / s).clamp(-TARGET_CLIP, TARGET_CLIP)
    return train(model, x, lambda b: pinball(model(x[b]) / s[b], target[b], q),
                 args.epochs, args.batch_size, args.lr, args.seed)


def train_detector(x, args):
    model = Detector(args.window, args.hidden, args.code)
    z = Detector.normalise(x)[0]
    return train(model, z, lambda b: ((model.net(z[b]) - z[b]) ** 2).mean(),
                 args.epochs, args.batch_size, args.lr, args.seed)


# ---------------------------------------------------------------- export


def export(model, kind, path, metadata, doc):
    """ONNX (opset 14, dynamic batch) with metadata_props and doc_string; returns the bytes written."""
    import onnx

    outputs = ["output"] if kind == "forecaster" else ["output", "error"]
    buffer = io.BytesIO()
    # torch 1.13's exporter warns about shape inference of constants and about LSTM with a dynamic batch; the initial
    # states are built from the input's shape (Shape -> ConstantOfShape), and the tests run batches of 1 to 8.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(model, torch.ones(1, model.window), buffer, opset_version=OPSET,
                          input_names=["input"], output_names=outputs, do_constant_folding=True,
                          dynamic_axes={name: {0: "batch"} for name in ["input", *outputs]})
    proto = onnx.load_from_string(buffer.getvalue())
    proto.doc_string = doc
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, str(value)
    onnx.checker.check_model(proto)
    data = proto.SerializeToString()
    with open(path, "wb") as f:
        f.write(data)
    return data


def config_of(model, kind):
    if kind == "forecaster":
        return {"kind": kind, "window": model.window, "quantiles": model.quantiles,
                "hidden": model.lstm.hidden_size, "layers": model.lstm.num_layers}
    return {"kind": kind, "window": model.window, "hidden": model.net[0].out_features, "code": model.net[2].out_features}


def build(config):
    """The PyTorch model a saved config describes (weights not loaded)."""
    if config["kind"] == "forecaster":
        return Forecaster(config["window"], config["quantiles"], config["hidden"], config["layers"])
    return Detector(config["window"], config["hidden"], config["code"])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=["forecaster", "detector"])
    p.add_argument("--data", action="append", required=True, help="a timestamp,value CSV or a directory of them (repeatable)")
    p.add_argument("--out", required=True, help="the .onnx file to write")
    p.add_argument("--files", help="comma list of file names or globs to keep (relative path or base name)")
    p.add_argument("--exclude", action="append", default=[], help="glob of files to leave out (repeatable)")
    p.add_argument("--window", type=int, default=32)
    p.add_argument("--horizon", type=int, default=2, help="forecaster: steps ahead (detector: recorded as 0)")
    p.add_argument("--quantiles", default="0.5,0.9")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--layers", type=int, default=1, help="forecaster: LSTM layers")
    p.add_argument("--code", type=int, default=8, help="detector: bottleneck width")
    p.add_argument("--max-windows", type=int, default=4000, help="at most this many windows per file, evenly spaced")
    p.add_argument("--step-seconds", type=float, help="the step the model is for (required when files differ)")
    p.add_argument("--name", help="model name (default: the output file's base name)")
    p.add_argument("--version", default="1.0.0", help="the model's semantic version")
    p.add_argument("--state", help="also save {config, state_dict} here (for reference.py)")
    args = p.parse_args(argv)

    deterministic(args.seed)
    quantiles = [float(q) for q in args.quantiles.split(",")] if args.kind == "forecaster" else []
    if any(not 0 < q < 1 for q in quantiles) or args.window < 2 or args.horizon < 1:
        p.error("quantiles must be in (0, 1), --window >= 2, --horizon >= 1")
    horizon = args.horizon if args.kind == "forecaster" else 0
    files = find_files(args.data, args.files.split(",") if args.files else None, args.exclude)
    rows, info = load(files, args.window + horizon, args.max_windows, args.step_seconds)
    if args.kind == "forecaster":
        model = train_forecaster(rows[:, :args.window], rows[:, -1], quantiles, args)
        normalisation = FORECAST_NORMALISATION
        doc = (f"LSTM forecaster: input [batch, {args.window}] raw values (oldest first, one per {info['step']:g} s step); "
               f"output [batch, {len(quantiles)}] raw values {horizon} steps after the last input at quantiles "
               f"{args.quantiles}. Normalisation in the graph: s = mean(|x|) + 1e-6, the LSTM sees x / s, outputs are "
               "multiplied back by s.")
    else:
        model = train_detector(rows, args)
        normalisation = DETECT_NORMALISATION
        doc = (f"Dense autoencoder: input [batch, {args.window}] raw values; outputs 'output' [batch, {args.window}] the "
               "reconstruction in raw units and 'error' [batch] the mean squared reconstruction error of the z-scored "
               "window, z = (x - mean) / (std + 1e-3 * mean(|x|) + 1e-6).")

    name = args.name or os.path.splitext(os.path.basename(args.out))[0]
    metadata = {
        "metrics-adapter.kind": args.kind,
        "metrics-adapter.name": name,
        "metrics-adapter.version": args.version,
        "metrics-adapter.window": args.window,
        "metrics-adapter.horizon": horizon,
        "metrics-adapter.step-seconds": f"{info['step']:g}",
        "metrics-adapter.normalisation": normalisation,
        "metrics-adapter.training-data-sha256": info["sha256"],
        "metrics-adapter.training-files": ",".join(info["files"]),
        "metrics-adapter.trained-at": info["newest"],
        "metrics-adapter.seed": args.seed,
    }
    if args.kind == "forecaster":
        metadata["metrics-adapter.quantiles"] = ",".join(f"{q:g}" for q in quantiles)
    export(model, args.kind, args.out, metadata, doc)
    if args.state:
        torch.save({"config": config_of(model, args.kind), "metadata": metadata, "state_dict": model.state_dict()},
                   args.state)
    print(f"train: wrote {args.out} ({os.path.getsize(args.out)} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ValueError, OSError) as error:
        # Bad input (no data, files of different steps, an unreadable file) is a one-line error, not a traceback.
        print(f"train: {error}", file=sys.stderr)
        sys.exit(2)
