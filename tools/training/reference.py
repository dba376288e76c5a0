#!/usr/bin/python3
"""Reference outputs for a trained model, for the C# exactness tests.

    reference.py --model m.onnx --state m.pt --out ref.json [--rows 8] [--seed 1]

Rebuilds the PyTorch twin from the state file train.py --state wrote, runs it and the exported ONNX graph (through
onnx_eval.py, a NumPy interpreter: Debian has neither onnx.reference nor onnxruntime for Python) on fixed inputs,
fails if they differ by more than the tolerance, and writes a JSON file:

    {"model": ..., "metadata": {...}, "tolerance": 1e-5, "inputs": [[...window...], ...],
     "outputs": {"output": [[...], ...], ("error": [...])}}

Outputs are PyTorch's. Compare as |actual - expected| <= tolerance * max(1, |expected|): inputs span scales from 1e-2
to 1e6, where float32 itself has no absolute 1e-5.
"""

import argparse
import json
import os
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_eval  # noqa: E402
import train  # noqa: E402

TOLERANCE = 1e-5


def fixed_inputs(window, rows, seed):
    """Rows of plausible load windows: noisy random walks around a level, at scales from 1e-2 to 1e6, plus an
    all-zero window and a constant one (the edge cases of both normalisations)."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(rows):
        if k == rows - 2:
            out.append(np.zeros(window))
        elif k == rows - 1:
            out.append(np.full(window, 42.0))
        else:
            scale = 10.0 ** rng.uniform(-2, 6)
            walk = 1 + np.cumsum(rng.normal(0, 0.05, window))
            out.append(np.abs(walk * (1 + rng.normal(0, 0.1, window))) * scale)
    return np.array(out, dtype=np.float32)


def compare(expected, actual):
    """The largest |actual - expected| / max(1, |expected|)."""
    return float(np.max(np.abs(actual - expected) / np.maximum(1, np.abs(expected)))) if expected.size else 0.0


def load_twin(state_path):
    saved = torch.load(state_path)
    model = train.build(saved["config"])
    model.load_state_dict(saved["state_dict"])
    model.eval()
    return model


def reference(model_path, state_path, rows=8, seed=1):
    """(json-ready dict, largest relative difference between PyTorch and the ONNX graph)."""
    torch.set_num_threads(1)
    proto = onnx.load(model_path)
    metadata = {p.key: p.value for p in proto.metadata_props}
    twin = load_twin(state_path)
    inputs = fixed_inputs(int(metadata["metrics-adapter.window"]), rows, seed)
    with torch.no_grad():
        result = twin(torch.from_numpy(inputs))
    names = [o.name for o in proto.graph.output]
    torch_out = dict(zip(names, [t.numpy() for t in (result if isinstance(result, tuple) else (result,))]))
    onnx_out = onnx_eval.run(proto, {"input": inputs})
    difference = max(compare(torch_out[n], onnx_out[n]) for n in names)
    document = {
        "model": os.path.basename(model_path),
        "metadata": metadata,
        "tolerance": TOLERANCE,
        "comparison": "abs(actual - expected) <= tolerance * max(1, abs(expected))",
        "inputs": inputs.tolist(),
        "outputs": {n: torch_out[n].tolist() for n in names},
    }
    return document, difference


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--rows", type=int, default=8)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    document, difference = reference(args.model, args.state, args.rows, args.seed)
    print(f"reference: PyTorch vs ONNX graph: largest relative difference {difference:.3g}", file=sys.stderr)
    if difference > TOLERANCE:
        print(f"reference: more than {TOLERANCE}: not written", file=sys.stderr)
        return 1
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
