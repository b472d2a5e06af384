#!/usr/bin/env python3
"""Minimal NumPy evaluator for the ONNX ops used by the fixtures in models/.

Independent of PyTorch: used to check that each exported .onnx file reproduces the
stored PyTorch reference output, i.e. that the fixtures are self-consistent.
Covers only the ops and attributes these fixtures use; anything else raises.

Usage:
  /usr/bin/python3 models/onnx_numpy_ref.py DIR [DIR ...]   # checks every <case>.onnx
      that has <case>_input.npy and <case>_output.npy next to it (also digits.onnx
      against digits_test_images.npy / digits_test_logits.npy)
  /usr/bin/python3 models/onnx_numpy_ref.py --model M.onnx --input X.npy [--save Y.npy]
"""
import argparse
import glob
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper
from scipy.special import erf


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _pool_windows(x, kernel, strides, pads, dilations, ceil_mode, pad_value):
    """Returns (windows [N,C,OH,OW,KH,KW], valid mask [OH,OW,KH,KW]) for 2-D pooling/conv."""
    n, c, h, w = x.shape
    kh, kw = kernel
    sh, sw = strides
    dh, dw = dilations
    pt, pl, pb, pr = pads
    ekh, ekw = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    rnd = np.ceil if ceil_mode else np.floor
    oh = int(rnd((h + pt + pb - ekh) / sh)) + 1
    ow = int(rnd((w + pl + pr - ekw) / sw)) + 1
    if ceil_mode:  # last window must start inside the input or left padding
        if (oh - 1) * sh >= h + pt:
            oh -= 1
        if (ow - 1) * sw >= w + pl:
            ow -= 1
    extra_b = max(0, (oh - 1) * sh + ekh - (h + pt + pb))
    extra_r = max(0, (ow - 1) * sw + ekw - (w + pl + pr))
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb + extra_b), (pl, pr + extra_r)),
                constant_values=pad_value)
    valid = np.zeros(xp.shape[2:], dtype=bool)
    valid[pt:pt + h, pl:pl + w] = True
    # padded region counted by count_include_pad (explicit pads, not the ceil overhang)
    inpad = np.zeros(xp.shape[2:], dtype=bool)
    inpad[:h + pt + pb, :w + pl + pr] = True
    iy = (np.arange(oh) * sh)[:, None] + np.arange(kh)[None, :] * dh  # [OH,KH]
    ix = (np.arange(ow) * sw)[:, None] + np.arange(kw)[None, :] * dw  # [OW,KW]
    win = xp[:, :, iy[:, None, :, None], ix[None, :, None, :]]  # [N,C,OH,OW,KH,KW]
    return (win, valid[iy[:, None, :, None], ix[None, :, None, :]],
            inpad[iy[:, None, :, None], ix[None, :, None, :]])


def _auto_pad(a):
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise NotImplementedError("auto_pad")


def op_conv(node, x, w, b=None):
    a = _attrs(node)
    _auto_pad(a)
    g = a.get("group", 1)
    kh, kw = w.shape[2:]
    win, _, _ = _pool_windows(x, (kh, kw), a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]),
                              a.get("dilations", [1, 1]), False, 0.0)
    n, c, oh, ow = win.shape[:4]
    cg, og = c // g, w.shape[0] // g
    outs = []
    for i in range(g):
        wi = win[:, i * cg:(i + 1) * cg].astype(np.float64)
        ki = w[i * og:(i + 1) * og].astype(np.float64)
        outs.append(np.einsum("nchwij,ocij->nohw", wi, ki, optimize=True))
    y = np.concatenate(outs, axis=1)
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return y.astype(np.float32)


def op_maxpool(node, x):
    a = _attrs(node)
    _auto_pad(a)
    win, _, _ = _pool_windows(x, a["kernel_shape"], a.get("strides", [1, 1]),
                              a.get("pads", [0, 0, 0, 0]), a.get("dilations", [1, 1]),
                              a.get("ceil_mode", 0), -np.inf)
    return win.max(axis=(4, 5))


def op_averagepool(node, x):
    a = _attrs(node)
    _auto_pad(a)
    win, valid, inpad = _pool_windows(x, a["kernel_shape"], a.get("strides", [1, 1]),
                                      a.get("pads", [0, 0, 0, 0]), [1, 1],
                                      a.get("ceil_mode", 0), 0.0)
    cnt = (inpad if a.get("count_include_pad", 0) else valid).sum(axis=(2, 3))
    return (win.sum(axis=(4, 5)) / cnt).astype(np.float32)


def op_batchnorm(node, x, scale, bias, mean, var):
    a = _attrs(node)
    if a.get("training_mode", 0):
        raise NotImplementedError("BatchNormalization training_mode=1")
    sh = (1, -1) + (1,) * (x.ndim - 2)
    eps = a.get("epsilon", 1e-5)
    return ((x - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + eps) * scale.reshape(sh)
            + bias.reshape(sh)).astype(np.float32)


def op_gemm(node, a_, b_, c=None):
    a = _attrs(node)
    if a.get("transA", 0):
        a_ = a_.T
    if a.get("transB", 0):
        b_ = b_.T
    y = a.get("alpha", 1.0) * (a_.astype(np.float64) @ b_.astype(np.float64))
    if c is not None:
        y = y + a.get("beta", 1.0) * c
    return y.astype(np.float32)


def op_pad(node, x, pads, value=None):
    mode = _attrs(node).get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    r = x.ndim
    pw = [(int(pads[i]), int(pads[i + r])) for i in range(r)]
    if any(p < 0 for pr in pw for p in pr):
        raise NotImplementedError("negative pads")
    if mode == "constant":
        v = 0.0 if value is None or value.size == 0 else float(value.reshape(-1)[0])
        return np.pad(x, pw, mode="constant", constant_values=v)
    return np.pad(x, pw, mode={"reflect": "reflect", "edge": "edge"}[mode])


def op_slice(node, x, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    sl = [slice(None)] * x.ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        ax = int(ax) % x.ndim
        dim = x.shape[ax]
        s, e, st = int(s), int(e), int(st)
        # clamp like ONNX (large sentinels such as INT64_MAX)
        s = max(-dim - 1, min(dim, s))
        e = max(-dim - 1, min(dim, e))
        if st > 0:
            s = s + dim if s < 0 else s
            e = e + dim if e < 0 else e
            s, e = max(0, s), max(0, e)
            sl[ax] = slice(s, e, st)
        else:
            s = s + dim if s < 0 else min(s, dim - 1)
            e = e + dim if e < 0 else e
            sl[ax] = slice(s, e if e >= 0 else None, st)
    return x[tuple(sl)]


def op_reduce(fn):
    def f(node, x, axes_in=None):
        a = _attrs(node)
        axes = a.get("axes", None if axes_in is None else list(axes_in))
        axes = None if axes is None else tuple(int(i) % x.ndim for i in axes)
        return fn(x, axis=axes, keepdims=bool(a.get("keepdims", 1))).astype(x.dtype)
    return f


def op_softmax(node, x):
    ax = _attrs(node).get("axis", -1)
    e = np.exp(x - x.max(axis=ax, keepdims=True))
    return (e / e.sum(axis=ax, keepdims=True)).astype(np.float32)


def op_reshape(node, x, shape):
    shape = [int(d) for d in shape]
    shape = [x.shape[i] if d == 0 else d for i, d in enumerate(shape)]
    return x.reshape(shape)


def op_clip(node, x, lo=None, hi=None):
    a = _attrs(node)
    lo = a.get("min", -np.inf) if lo is None or lo.size == 0 else lo
    hi = a.get("max", np.inf) if hi is None or hi.size == 0 else hi
    return np.clip(x, lo, hi).astype(x.dtype)


def op_hardsigmoid(node, x):
    a = _attrs(node)
    return np.clip(a.get("alpha", 0.2) * x + a.get("beta", 0.5), 0, 1).astype(x.dtype)


def op_cast(node, x):
    return x.astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[_attrs(node)["to"]])


def op_squeeze(node, x, axes=None):
    axes = _attrs(node).get("axes", axes)
    if axes is None:
        return np.squeeze(x)
    return np.squeeze(x, axis=tuple(int(a) % x.ndim for a in axes))


def op_unsqueeze(node, x, axes=None):
    axes = _attrs(node).get("axes", axes)
    r = x.ndim + len(axes)
    for a in sorted(int(a) % r for a in axes):
        x = np.expand_dims(x, a)
    return x


def op_flatten(node, x):
    ax = _attrs(node).get("axis", 1) % (x.ndim or 1)
    return x.reshape(int(np.prod(x.shape[:ax])), -1)


def op_constant_of_shape(node, shape):
    v = _attrs(node).get("value")
    val = numpy_helper.to_array(v) if v is not None else np.zeros(1, np.float32)
    return np.full([int(d) for d in shape], val.reshape(-1)[0], dtype=val.dtype)


OPS = {
    "Conv": op_conv,
    "MaxPool": op_maxpool,
    "AveragePool": op_averagepool,
    "GlobalAveragePool": lambda n, x: x.mean(axis=tuple(range(2, x.ndim)), keepdims=True),
    "BatchNormalization": op_batchnorm,
    "Gemm": op_gemm,
    "MatMul": lambda n, a, b: (a.astype(np.float64) @ b.astype(np.float64)).astype(np.float32),
    "Add": lambda n, a, b: a + b,
    "Sub": lambda n, a, b: a - b,
    "Mul": lambda n, a, b: a * b,
    "Div": lambda n, a, b: a / b if a.dtype.kind == "f" else a // b,
    "Abs": lambda n, x: np.abs(x),
    "Erf": lambda n, x: erf(x).astype(x.dtype),
    "Relu": lambda n, x: np.maximum(x, 0),
    "LeakyRelu": lambda n, x: np.where(x >= 0, x, _attrs(n).get("alpha", 0.01) * x).astype(x.dtype),
    "Sigmoid": lambda n, x: (1 / (1 + np.exp(-x.astype(np.float64)))).astype(x.dtype),
    "Tanh": lambda n, x: np.tanh(x),
    "HardSigmoid": op_hardsigmoid,
    "HardSwish": lambda n, x: (x * np.clip(x / 6 + 0.5, 0, 1)).astype(x.dtype),
    "Clip": op_clip,
    "Softmax": op_softmax,
    "ReduceMean": op_reduce(np.mean),
    "ReduceMax": op_reduce(np.max),
    "Flatten": op_flatten,
    "Reshape": op_reshape,
    "Transpose": lambda n, x: np.transpose(x, _attrs(n).get("perm")),
    "Concat": lambda n, *xs: np.concatenate(xs, axis=_attrs(n)["axis"]),
    "Pad": op_pad,
    "Slice": op_slice,
    "Squeeze": op_squeeze,
    "Unsqueeze": op_unsqueeze,
    "Shape": lambda n, x: np.array(x.shape, dtype=np.int64),
    "Gather": lambda n, x, i: np.take(x, i, axis=_attrs(n).get("axis", 0)),
    "Cast": op_cast,
    "ConstantOfShape": op_constant_of_shape,
    "Constant": lambda n: numpy_helper.to_array(_attrs(n)["value"]),
    "Identity": lambda n, x: x,
    "Dropout": lambda n, x, *rest: x,
}


def run(model, inputs):
    """Evaluates the graph; inputs: dict name -> array. Returns list of outputs."""
    g = model.graph
    env = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    env.update(inputs)
    for node in g.node:
        if node.op_type not in OPS:
            raise NotImplementedError("op %s" % node.op_type)
        args = [env[i] if i else None for i in node.input]
        while args and args[-1] is None:
            args.pop()
        out = OPS[node.op_type](node, *args)
        env[node.output[0]] = np.asarray(out)
    return [env[o.name] for o in g.output]


def _compare(name, got, want):
    err = float(np.max(np.abs(got - want))) if got.shape == want.shape else float("inf")
    scale = float(np.max(np.abs(want))) or 1.0
    ok = got.shape == want.shape and err <= 1e-4 * max(1.0, scale)
    print("%-30s %-6s max|diff| %.3g (max|ref| %.3g)%s" % (
        name, "ok" if ok else "FAIL", err, scale,
        "" if got.shape == want.shape else " shape %s vs %s" % (got.shape, want.shape)))
    return ok


def check_dir(d):
    ok = True
    for path in sorted(glob.glob(os.path.join(d, "*.onnx"))):
        base = path[:-5]
        model = onnx.load(path)
        in_name = model.graph.input[0].name
        if os.path.exists(base + "_input.npy") and os.path.exists(base + "_output.npy"):
            x = np.load(base + "_input.npy")
            y = run(model, {in_name: x})[0]
            ok &= _compare(os.path.basename(path), y, np.load(base + "_output.npy"))
        elif os.path.exists(base + "_test_images.npy") and os.path.exists(base + "_test_logits.npy"):
            xs = np.load(base + "_test_images.npy")
            ys = np.concatenate([run(model, {in_name: xs[i:i + 1]})[0] for i in range(len(xs))])
            ok &= _compare(os.path.basename(path) + " (%d images)" % len(xs), ys,
                           np.load(base + "_test_logits.npy"))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="*", help="fixture directories to check")
    ap.add_argument("--model", help="evaluate one model")
    ap.add_argument("--input", help="input .npy for --model")
    ap.add_argument("--save", help="where to write the output of --model")
    args = ap.parse_args()
    if args.model:
        model = onnx.load(args.model)
        y = run(model, {model.graph.input[0].name: np.load(args.input)})[0]
        print("output shape %s" % (y.shape,))
        if args.save:
            np.save(args.save, y.astype(np.float32))
        return
    ok = all([check_dir(d) for d in args.dirs])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
