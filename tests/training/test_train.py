"""Tests of tools/training: run with  /usr/bin/python3 -m unittest discover -s tests/training  (needs Debian's
python3-torch and python3-onnx). Trains tiny models on a few hundred synthetic points in a temporary directory."""

import contextlib
import hashlib
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOLS = os.path.join(ROOT, "tools", "training")
MODELS = os.path.join(TOOLS, "models")
sys.path.insert(0, TOOLS)
import onnx_eval  # noqa: E402
import reference  # noqa: E402
import train  # noqa: E402

WINDOW, HORIZON = 8, 2
TINY = ["--window", str(WINDOW), "--horizon", str(HORIZON), "--epochs", "2", "--hidden", "8", "--code", "4",
        "--batch-size", "64", "--seed", "3"]
METADATA_KEYS = {"kind", "name", "version", "window", "horizon", "step-seconds", "normalisation",
                 "training-data-sha256", "training-files", "trained-at", "seed"}


def write_series(path, n, level, step_seconds=60, phase=0.0, header=True, separator=" "):
    """A daily-ish sine with noise around `level`, one row per step from 2024-01-01."""
    rng = np.random.default_rng(int(level) + n)
    with open(path, "w", encoding="utf-8") as f:
        if header:
            f.write("timestamp,value\n")
        for i in range(n):
            seconds = i * step_seconds
            stamp = f"2024-01-{1 + seconds // 86400:02d}{separator}{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
            value = level * (1 + 0.5 * math.sin(2 * math.pi * i / 60 + phase)) + rng.normal(0, 0.05 * level)
            f.write(f"{stamp},{value!r}\n")


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def metadata(path):
    return {p.key: p.value for p in onnx.load(path).metadata_props}


class TrainingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.data = os.path.join(cls.dir, "data")
        os.makedirs(os.path.join(cls.data, "sub"))
        write_series(os.path.join(cls.data, "a.csv"), 300, 100.0)
        write_series(os.path.join(cls.data, "sub", "b.csv"), 250, 5.0, phase=1.0, header=False, separator="T")
        write_series(os.path.join(cls.data, "held_out.csv"), 200, 40.0, phase=2.0)
        cls.forecaster = cls.train("forecaster", "f")
        cls.detector = cls.train("detector", "d")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def train(cls, kind, name, *extra, data=None):
        out = os.path.join(cls.dir, name + ".onnx")
        state = os.path.join(cls.dir, name + ".pt")
        args = [kind, "--data", data or cls.data, "--exclude", "held_out*", "--out", out, "--state", state,
                "--name", "tiny-" + kind, *TINY, *extra]
        with contextlib.redirect_stderr(io.StringIO()):
            train.main(args)
        return out, state

    # ------------------------------------------------------------ data

    def test_reads_header_or_not_space_or_t(self):
        times, values = train.read_csv(os.path.join(self.data, "sub", "b.csv"))
        self.assertEqual(250, len(values))
        self.assertEqual(60.0, train.step_seconds(times))
        self.assertEqual("2024-01-01T00:00:00+00:00", times[0].isoformat())

    def test_files_are_selected_by_exclude_and_files(self):
        names = [r for _, r in train.find_files([self.data], exclude=["held_out*"])]
        self.assertEqual(["a.csv", os.path.join("sub", "b.csv")], names)
        names = [r for _, r in train.find_files([self.data], files=["b.csv", "held_out.csv"])]
        self.assertEqual([os.path.join("sub", "b.csv"), "held_out.csv"], names)  # ordered by base name
        with self.assertRaises(ValueError):
            train.find_files([self.data], files=["nothing*"])

    def test_windows_never_span_a_gap(self):
        times, values = train.read_csv(os.path.join(self.data, "a.csv"))
        del times[100], values[100]
        runs = list(train.segments(times, values, 60.0))
        self.assertEqual([100, 199], [len(r) for r in runs])

    def test_files_of_different_steps_need_step_seconds(self):
        data = os.path.join(self.dir, "mixed")
        os.makedirs(data)
        write_series(os.path.join(data, "m1.csv"), 120, 10.0, step_seconds=60)
        write_series(os.path.join(data, "m5.csv"), 120, 10.0, step_seconds=300)
        with self.assertRaisesRegex(ValueError, "step-seconds"):
            self.train("forecaster", "mixed", data=data)
        out, _ = self.train("forecaster", "mixed", "--step-seconds", "60", "--epochs", "1", data=data)
        self.assertEqual("60", metadata(out)["metrics-adapter.step-seconds"])

    # ------------------------------------------------------------ export

    def test_metadata(self):
        files = [os.path.join(self.data, "a.csv"), os.path.join(self.data, "sub", "b.csv")]
        digest = hashlib.sha256(b"".join(read_bytes(f) for f in files)).hexdigest()
        for (path, _), kind in ((self.forecaster, "forecaster"), (self.detector, "detector")):
            meta = metadata(path)
            self.assertTrue(METADATA_KEYS <= {k.removeprefix("metrics-adapter.") for k in meta}, meta)
            self.assertEqual(kind, meta["metrics-adapter.kind"])
            self.assertEqual("tiny-" + kind, meta["metrics-adapter.name"])
            self.assertEqual("1.0.0", meta["metrics-adapter.version"])
            self.assertEqual(str(WINDOW), meta["metrics-adapter.window"])
            self.assertEqual("60", meta["metrics-adapter.step-seconds"])
            self.assertEqual(digest, meta["metrics-adapter.training-data-sha256"])
            self.assertEqual("a.csv,b.csv", meta["metrics-adapter.training-files"])
            self.assertEqual("2024-01-01T04:59:00Z", meta["metrics-adapter.trained-at"])  # a.csv's last row
            proto = onnx.load(path)
            self.assertTrue(proto.doc_string)
            self.assertGreaterEqual(proto.opset_import[0].version, 14)
        meta = metadata(self.forecaster[0])
        self.assertEqual(str(HORIZON), meta["metrics-adapter.horizon"])
        self.assertEqual("0.5,0.9", meta["metrics-adapter.quantiles"])
        self.assertEqual("window-mean-abs-v1", meta["metrics-adapter.normalisation"])
        self.assertEqual("window-zscore-v1", metadata(self.detector[0])["metrics-adapter.normalisation"])

    def test_shapes(self):
        def dims(value):
            return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]

        graph = onnx.load(self.forecaster[0]).graph
        self.assertEqual([("input", ["batch", WINDOW])], [(i.name, dims(i)) for i in graph.input])
        self.assertEqual([("output", ["batch", 2])], [(o.name, dims(o)) for o in graph.output])
        graph = onnx.load(self.detector[0]).graph
        self.assertEqual([("input", ["batch", WINDOW])], [(i.name, dims(i)) for i in graph.input])
        self.assertEqual([("output", ["batch", WINDOW]), ("error", ["batch"])], [(o.name, dims(o)) for o in graph.output])
        for path, _ in (self.forecaster, self.detector):
            for batch in (1, 5):
                outputs = onnx_eval.run(onnx.load(path), {"input": np.ones((batch, WINDOW), np.float32)})
                self.assertEqual(batch, next(iter(outputs.values())).shape[0])

    def test_deterministic_byte_identical_across_processes(self):
        for kind in ("forecaster", "detector"):
            files = []
            for run in (1, 2):
                out = os.path.join(self.dir, f"det{run}", "m.onnx")
                os.makedirs(os.path.dirname(out), exist_ok=True)
                subprocess.run([sys.executable, os.path.join(TOOLS, "train.py"), kind, "--data", self.data,
                                "--exclude", "held_out*", "--out", out, "--state", out[:-5] + ".pt", *TINY],
                               check=True, capture_output=True)
                files.append(out)
            self.assertEqual(read_bytes(files[0]), read_bytes(files[1]), kind)
            self.assertEqual(read_bytes(files[0][:-5] + ".pt"), read_bytes(files[1][:-5] + ".pt"), kind)

    def test_another_seed_gives_another_model(self):
        out, _ = self.train("forecaster", "seed4", "--seed", "4")
        self.assertNotEqual(read_bytes(out), read_bytes(self.forecaster[0]))

    # ------------------------------------------------------------ behaviour

    def test_forecaster_is_scale_invariant(self):
        proto = onnx.load(self.forecaster[0])
        twin = reference.load_twin(self.forecaster[1])
        _, values = train.read_csv(os.path.join(self.data, "held_out.csv"))
        x = np.array([values[i:i + WINDOW] for i in range(0, 150, 10)], np.float32)
        big = x * np.float32(1000)
        with torch.no_grad():
            small_out, big_out = twin(torch.from_numpy(x)).numpy(), twin(torch.from_numpy(big)).numpy()
        np.testing.assert_allclose(big_out, small_out * 1000, rtol=1e-4)
        onnx_small = onnx_eval.run(proto, {"input": x})["output"]
        onnx_big = onnx_eval.run(proto, {"input": big})["output"]
        np.testing.assert_allclose(onnx_big, onnx_small * 1000, rtol=1e-4)

    def test_detector_error_is_scale_invariant(self):
        twin = reference.load_twin(self.detector[1])
        _, values = train.read_csv(os.path.join(self.data, "held_out.csv"))
        x = torch.tensor([values[i:i + WINDOW] for i in range(0, 150, 10)])
        with torch.no_grad():
            (r1, e1), (r2, e2) = twin(x), twin(x * 1000)
        torch.testing.assert_close(e2, e1, rtol=1e-4, atol=1e-6)
        torch.testing.assert_close(r2, r1 * 1000, rtol=1e-4, atol=1e-3)

    def test_onnx_matches_pytorch(self):
        for path, state in (self.forecaster, self.detector):
            document, difference = reference.reference(path, state, rows=8, seed=1)
            self.assertLessEqual(difference, 1e-5, path)
            self.assertEqual(8, len(document["inputs"]))

    def test_reference_json(self):
        out = os.path.join(self.dir, "ref.json")
        with contextlib.redirect_stderr(io.StringIO()):
            code = reference.main(["--model", self.detector[0], "--state", self.detector[1], "--out", out, "--rows", "4"])
        self.assertEqual(0, code)
        with open(out, encoding="utf-8") as f:
            document = json.load(f)
        self.assertEqual({"output", "error"}, set(document["outputs"]))
        self.assertEqual([4, WINDOW], list(np.array(document["inputs"]).shape))
        self.assertEqual([4], list(np.array(document["outputs"]["error"]).shape))
        self.assertEqual("detector", document["metadata"]["metrics-adapter.kind"])


class ShippedModelsTest(unittest.TestCase):
    """The example models in tools/training/models: small, described, and reproducing their stored reference."""

    HELD_OUT = {"forecaster-lstm": ["nasa_http_1995_1min.csv", "nasa_http_1995_5min.csv", "azure_llm_conv_1min.csv",
                                    "azure_llm_code_1min.csv"],
                "detector-autoencoder": ["art_daily_jumpsup.csv", "ec2_cpu_utilization_fe7f93.csv"]}

    def test_shipped_models(self):
        for name, held_out in self.HELD_OUT.items():
            path = os.path.join(MODELS, name + ".onnx")
            self.assertLess(os.path.getsize(path), 200_000)
            self.assertLess(os.path.getsize(os.path.join(MODELS, name + ".pt")), 200_000)
            meta = metadata(path)
            self.assertEqual(name, meta["metrics-adapter.name"])
            trained_on = meta["metrics-adapter.training-files"].split(",")
            self.assertFalse(set(held_out) & set(trained_on))
            with open(os.path.join(MODELS, name + ".reference.json"), encoding="utf-8") as f:
                document = json.load(f)
            self.assertEqual(meta, document["metadata"])
            inputs = np.array(document["inputs"], np.float32)
            actual = onnx_eval.run(onnx.load(path), {"input": inputs})
            for output, expected in document["outputs"].items():
                expected = np.array(expected, np.float32)
                self.assertLessEqual(reference.compare(expected, actual[output]), 1e-5, f"{name} {output}")

    def test_shipped_models_rebuild_from_the_scripts(self):
        """The shipped models are what build-models.sh makes: the same metadata, and the same outputs on the reference
        inputs within the exactness tolerance (bytes may differ in the last bits on a CPU with other SIMD kernels)."""
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([os.path.join(TOOLS, "build-models.sh"), os.path.join(ROOT, "..", "shared", "data"), out],
                           check=True, capture_output=True)
            for name in sorted(n for n in os.listdir(MODELS) if n.endswith(".reference.json")):
                with open(os.path.join(MODELS, name)) as shipped_file, open(os.path.join(out, name)) as rebuilt_file:
                    shipped, rebuilt = json.load(shipped_file), json.load(rebuilt_file)
                self.assertEqual(shipped["metadata"], rebuilt["metadata"], name)
                self.assertEqual(shipped["inputs"], rebuilt["inputs"], name)
                for output, rows in shipped["outputs"].items():
                    want = np.asarray(rows, dtype=np.float64)
                    got = np.asarray(rebuilt["outputs"][output], dtype=np.float64)
                    self.assertTrue(np.all(np.abs(got - want) <= 1e-5 * np.maximum(1, np.abs(want))), f"{name} {output}")


if __name__ == "__main__":
    unittest.main()
