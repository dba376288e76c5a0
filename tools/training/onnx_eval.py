"""A small NumPy interpreter for the ONNX operators train.py's graphs use, written from the ONNX operator spec.

Debian's python3-onnx (1.12) has no onnx.reference.ReferenceEvaluator (added in 1.13) and Debian has no onnxruntime
for Python, so this is the independent second implementation the exported graphs are checked against. It refuses
any operator or attribute it does not implement instead of guessing.

    outputs = run(model_proto, {"input": array})   # dict name -> np.ndarray
"""

import numpy as np
from onnx import helper, numpy_helper


def _sigmoid(x):
    return (1 / (1 + np.exp(-x))).astype(x.dtype)


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _lstm(x, w, r, b=None, sequence_lens=None, initial_h=None, initial_c=None, *, hidden_size, direction=b"forward",
          layout=0, **unsupported):
    """ONNX LSTM, forward direction, default activations (f = sigmoid, g = h = tanh), no peepholes, gates i, o, f, c."""
    if unsupported or direction != b"forward" or layout != 0 or sequence_lens is not None:
        raise NotImplementedError(f"LSTM with {unsupported or ''} direction={direction} layout={layout}")
    steps, batch, _ = x.shape
    n = hidden_size
    w, r = w[0], r[0]
    wb, rb = (b[0, :4 * n], b[0, 4 * n:]) if b is not None else (0, 0)
    h = initial_h[0] if initial_h is not None else np.zeros((batch, n), x.dtype)
    c = initial_c[0] if initial_c is not None else np.zeros((batch, n), x.dtype)
    ys = []
    for t in range(steps):
        gates = x[t] @ w.T + h @ r.T + wb + rb
        i, o, f, g = (gates[:, k * n:(k + 1) * n] for k in range(4))
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        ys.append(h)
    return np.stack(ys)[:, None], h[None], c[None]


def _slice(data, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * data.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        index[axis] = slice(int(start), int(max(min(end, 2**62), -2**62)), int(step))
    return data[tuple(index)]


def _gemm(a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    y = alpha * ((a.T if transA else a) @ (b.T if transB else b))
    return (y + beta * c if c is not None else y).astype(a.dtype)


OPS = {
    "Abs": lambda x: np.abs(x),
    "Add": lambda a, b: a + b,
    "Sub": lambda a, b: a - b,
    "Mul": lambda a, b: a * b,
    "Div": lambda a, b: a / b,
    "Pow": lambda a, b: np.power(a, b).astype(a.dtype),
    "Sqrt": lambda x: np.sqrt(x),
    "Relu": lambda x: np.maximum(x, 0).astype(x.dtype),
    "Sigmoid": _sigmoid,
    "Tanh": lambda x: np.tanh(x),
    "Neg": lambda x: -x,
    "Identity": lambda x: x,
    "ReduceMean": lambda x, axes=None, keepdims=1: np.mean(x, axis=tuple(axes) if axes is not None else None,
                                                          keepdims=bool(keepdims)).astype(x.dtype),
    "Shape": lambda x: np.array(x.shape, np.int64),
    "Gather": lambda x, i, axis=0: np.take(x, i, axis=axis),
    "Concat": lambda *xs, axis: np.concatenate(xs, axis=axis),
    "Unsqueeze": lambda x, axes: np.expand_dims(x, tuple(int(a) for a in axes)),
    "Squeeze": lambda x, axes=None: np.squeeze(x, tuple(int(a) for a in axes) if axes is not None else None),
    "Transpose": lambda x, perm=None: np.transpose(x, perm),
    "Reshape": lambda x, shape: x.reshape([x.shape[i] if s == 0 else s for i, s in enumerate(shape)]),
    "Slice": _slice,
    "Gemm": _gemm,
    "MatMul": lambda a, b: a @ b,
    "LSTM": _lstm,
}


def run(model, feeds):
    """Evaluate the graph of an onnx.ModelProto on feeds (name -> array); returns the graph outputs by name."""
    values = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    values.update(feeds)
    for node in model.graph.node:
        attrs = _attrs(node)
        if node.op_type == "Constant":
            outputs = [numpy_helper.to_array(attrs["value"])]
        elif node.op_type == "ConstantOfShape":
            fill = numpy_helper.to_array(attrs["value"]) if "value" in attrs else np.zeros(1, np.float32)
            outputs = [np.full(tuple(values[node.input[0]]), fill[0], fill.dtype)]
        elif node.op_type in OPS:
            args = [values[name] if name else None for name in node.input]
            while args and args[-1] is None:
                args.pop()
            result = OPS[node.op_type](*args, **attrs)
            outputs = list(result) if isinstance(result, tuple) else [result]
        else:
            raise NotImplementedError(f"operator {node.op_type} ({node.name})")
        for name, value in zip(node.output, outputs):
            if name:
                values[name] = np.asarray(value)
    return {o.name: values[o.name] for o in model.graph.output}
