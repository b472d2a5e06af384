#!/usr/bin/env python3
"""Writes the op conformance cases: seeded random shapes and options for every op type and every
activation kind of runtime/schema/sprig.fbs, with the expected outputs computed by PyTorch.

Each case is one op. The inputs are float32; the expected outputs are computed in float64 from
those same float32 values and rounded to float32. Option values that the model stores as float32
(activation alpha/beta, epsilon, pad value) are rounded to float32 before they are used here, so
the model and the expectation agree on them exactly.

Output (--out DIR):
  DIR/cases.json   a list of {"name", "op", "options", "inputs": [{"file", "shape", "constant"}],
                   "outputs": [{"file", "shape"}]}; "op" is the schema's OpType name, "options"
                   uses the schema's field names (enums by name; "fused"/"activation" are
                   {"kind", "alpha", "beta"}); keys outside the schema (such as "ceil_mode") only
                   describe the case.
  DIR/*.npy        one file per input and output, float32, C order.

Run with a Python that has torch and numpy (Debian's /usr/bin/python3 with python3-torch).
The cases of one op depend only on --seed and that op's name, so adding cases for one op leaves
the others unchanged.
"""

import argparse
import json
import math
import os
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn.functional as F

import int8_cases

# Elements per tensor stay at a few thousand at most.
MAX_ELEMENTS = 3000

ACTIVATION_KINDS = ["None", "Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid",
                    "HardSwish", "Gelu", "GeluTanh", "Silu"]

# Cases per op type (Activation: per kind).
COUNTS = {
    "Conv2D": 48, "FullyConnected": 24, "MatMul": 28, "BatchNorm": 18,
    "Add": 16, "Sub": 14, "Mul": 14, "Div": 14,
    "MaxPool2D": 32, "AveragePool2D": 40, "GlobalAveragePool": 8, "ReduceMean": 24,
    "Softmax": 25, "Reshape": 10, "Concat": 20, "Transpose": 20, "Pad": 30, "Slice": 26,
    "Gather": 8, "RmsNorm": 10, "LayerNorm": 10, "Rope": 12, "Attention": 24,
}
ACTIVATION_CASES = 8
ACTIVATION_NONE_CASES = 3


def f32(value):
    """The float32 value a model stores for `value`, as a Python float."""
    return float(np.float32(value))


def t64(array):
    return torch.from_numpy(np.asarray(array, dtype=np.float64))


def numel(shape):
    return int(np.prod(shape, dtype=np.int64)) if len(shape) else 1


class Writer:
    def __init__(self, out):
        self.out = out
        self.cases = []
        self.counters = {}
        self.fused_counters = {}

    def fused(self, rng, label, probability):
        """A fused activation for about `probability` of the cases of `label`; the kinds (all but
        None) take turns, so every kind is fused somewhere."""
        if rng.random() >= probability:
            return None
        turn = self.fused_counters.get(label, 0)
        self.fused_counters[label] = turn + 1
        return random_activation(rng, ACTIVATION_KINDS[1 + turn % (len(ACTIVATION_KINDS) - 1)])

    def add(self, label, op, options, inputs, output):
        """inputs: list of (float32 array, constant); output: float64 array or tensor."""
        index = self.counters.get(label, 0)
        self.counters[label] = index + 1
        name = "%s_%03d" % (label, index)
        entries = []
        for i, (array, constant) in enumerate(inputs):
            array = np.array(array, dtype=np.float32, order="C")  # keeps rank 0
            file = "%s.in%d.npy" % (name, i)
            np.save(os.path.join(self.out, file), array)
            entries.append({"file": file, "shape": list(array.shape), "constant": bool(constant)})
        if isinstance(output, torch.Tensor):
            output = output.detach().numpy()
        output = np.asarray(output, dtype=np.float64)
        if not np.all(np.isfinite(output)):
            raise RuntimeError("%s: expected output is not finite" % name)
        file = "%s.out0.npy" % name
        np.save(os.path.join(self.out, file), np.array(output, dtype=np.float32, order="C"))
        self.cases.append({"name": name, "op": op, "options": options, "inputs": entries,
                           "outputs": [{"file": file, "shape": list(output.shape)}]})

    def add_q(self, label, op, options, inputs, output, output_quantization):
        """An int8 case (int8_cases.py). inputs: list of (array, constant, quantization or None);
        integer arrays are saved as float32; output_quantization None for an F32 output."""
        index = self.counters.get(label, 0)
        self.counters[label] = index + 1
        name = "%s_%03d" % (label, index)
        entries = []
        for i, (array, constant, quantization) in enumerate(inputs):
            file = "%s.in%d.npy" % (name, i)
            array = np.array(array, dtype=np.float32, order="C")
            np.save(os.path.join(self.out, file), array)
            entry = {"file": file, "shape": list(array.shape), "constant": bool(constant)}
            entry.update(quantization or {})
            entries.append(entry)
        if isinstance(output, torch.Tensor):
            output = output.detach().numpy()
        file = "%s.out0.npy" % name
        output = np.array(output, dtype=np.float32, order="C")
        np.save(os.path.join(self.out, file), output)
        out_entry = {"file": file, "shape": list(output.shape)}
        out_entry.update(output_quantization or {})
        self.cases.append({"name": name, "op": op, "options": options, "inputs": entries,
                           "outputs": [out_entry]})


# ---- activations ---------------------------------------------------------------------------------

def random_activation(rng, kind):
    """An Activation table for `kind` with float32 parameters."""
    alpha, beta = 0.0, 0.0
    if kind == "Clip":
        alpha, beta = f32(rng.uniform(-1.5, 0.0)), f32(rng.uniform(0.2, 2.0))
        if rng.random() < 0.25:
            alpha, beta = 0.0, 6.0  # ReLU6
    elif kind == "LeakyRelu":
        alpha = f32(rng.uniform(0.01, 0.3))
    elif kind == "HardSigmoid":
        alpha, beta = f32(rng.uniform(0.1, 0.5)), f32(rng.uniform(0.3, 0.7))
        if rng.random() < 0.25:
            alpha, beta = f32(0.2), f32(0.5)  # ONNX defaults
    return {"kind": kind, "alpha": alpha, "beta": beta}


def apply_activation(x, activation):
    """The schema's ActivationKind formulas, on a float64 tensor."""
    if activation is None:
        return x
    kind, alpha, beta = activation["kind"], activation["alpha"], activation["beta"]
    if kind == "None":
        return x
    if kind == "Relu":
        return F.relu(x)
    if kind == "Clip":
        return torch.clamp(x, min=alpha, max=beta)
    if kind == "LeakyRelu":
        return F.leaky_relu(x, negative_slope=alpha)
    if kind == "Sigmoid":
        return torch.sigmoid(x)
    if kind == "Tanh":
        return torch.tanh(x)
    if kind == "HardSigmoid":
        return torch.clamp(alpha * x + beta, min=0.0, max=1.0)
    if kind == "HardSwish":
        return F.hardswish(x)
    if kind == "Gelu":
        return F.gelu(x)
    if kind == "GeluTanh":
        return F.gelu(x, approximate="tanh")
    if kind == "Silu":
        return F.silu(x)
    raise ValueError(kind)


def with_fused(options, fused):
    if fused is not None:
        options["fused"] = fused
    return options


# ---- shapes --------------------------------------------------------------------------------------

def random_shape(rng, rank, max_elements=MAX_ELEMENTS, low=1, high=6):
    while True:
        shape = [int(rng.integers(low, high + 1)) for _ in range(rank)]
        if numel(shape) <= max_elements:
            return shape


def normal(rng, shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def window_count(size, pad_begin, pad_end, kernel, stride, dilation, ceil_mode=False):
    """Windows along one axis; ceil mode as PyTorch (the last window starts inside the input or
    its begin padding), which is what the schema allows the output shape to hold."""
    extent = dilation * (kernel - 1) + 1
    span = size + pad_begin + pad_end - extent
    if span < 0:
        return 0
    count = span // stride + 1
    if ceil_mode:
        ceil_count = -(-span // stride) + 1
        if (ceil_count - 1) * stride >= size + pad_begin:
            ceil_count -= 1
        count = ceil_count
    return count


# ---- Conv2D --------------------------------------------------------------------------------------

CONV_FLAVORS = ["plain", "groups", "depthwise", "stride_over_kernel", "dilation", "asymmetric_pad",
                "pointwise", "no_bias", "big_pad"]


def gen_conv2d(rng, index, writer):
    flavor = CONV_FLAVORS[index % len(CONV_FLAVORS)]
    for _ in range(1000):
        groups, cpg, opg = 1, int(rng.integers(1, 5)), int(rng.integers(1, 5))
        if flavor == "groups" or (flavor == "plain" and rng.random() < 0.3):
            groups = int(rng.integers(2, 5))
        if flavor == "depthwise":
            groups, cpg, opg = int(rng.integers(2, 9)), 1, int(rng.integers(1, 3))
        kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        sh, sw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        dh, dw = 1, 1
        if flavor == "pointwise":
            kh = kw = 1
        if flavor == "stride_over_kernel":
            kh, kw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
            sh, sw = kh + int(rng.integers(1, 3)), kw + int(rng.integers(1, 3))
        if flavor == "dilation" or rng.random() < 0.15:
            dh, dw = int(rng.integers(1, 4)), int(rng.integers(2, 4))
            kh, kw = max(kh, 2), max(kw, 2)
        ext_h, ext_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
        if flavor == "asymmetric_pad" or rng.random() < 0.5:
            pads = [int(rng.integers(0, e)) if e > 1 else 0 for e in (ext_h, ext_w, ext_h, ext_w)]
        else:
            pads = [(ext_h - 1) // 2, (ext_w - 1) // 2, ext_h // 2, ext_w // 2]  # "same"
        if flavor == "big_pad":  # windows entirely inside the padding
            pads = [ext_h + int(rng.integers(0, 2)), int(rng.integers(0, ext_w + 1)),
                    int(rng.integers(0, ext_h + 1)), ext_w + int(rng.integers(0, 2))]
        pt, pl, pb, pr = pads
        c, o = groups * cpg, groups * opg
        n = int(rng.integers(1, 3))
        h = int(rng.integers(max(1, ext_h - pt - pb), ext_h + 9))
        w = int(rng.integers(max(1, ext_w - pl - pr), ext_w + 9))
        oh = window_count(h, pt, pb, kh, sh, dh)
        ow = window_count(w, pl, pr, kw, sw, dw)
        if oh < 1 or ow < 1:
            continue
        if max(n * h * w * c, n * oh * ow * o) > MAX_ELEMENTS or o * kh * kw * cpg > 2000:
            continue
        break
    else:
        raise RuntimeError("no Conv2D shape found")
    x = normal(rng, [n, h, w, c])
    weight = normal(rng, [o, kh, kw, cpg], 1.0 / math.sqrt(kh * kw * cpg))
    bias = None if flavor == "no_bias" or rng.random() < 0.15 else normal(rng, [o], 0.5)
    fused = writer.fused(rng, "Conv2D", 0.6)

    xt = F.pad(t64(x).permute(0, 3, 1, 2), (pl, pr, pt, pb))
    y = F.conv2d(xt, t64(weight).permute(0, 3, 1, 2), None if bias is None else t64(bias),
                 stride=(sh, sw), dilation=(dh, dw), groups=groups).permute(0, 2, 3, 1)
    assert list(y.shape) == [n, oh, ow, o]
    y = apply_activation(y, fused)
    options = with_fused({"stride_h": sh, "stride_w": sw, "dilation_h": dh, "dilation_w": dw,
                          "pad_top": pt, "pad_left": pl, "pad_bottom": pb, "pad_right": pr,
                          "groups": groups}, fused)
    inputs = [(x, False), (weight, True)] + ([] if bias is None else [(bias, True)])
    writer.add("Conv2D", "Conv2D", options, inputs, y)


# ---- FullyConnected, MatMul ----------------------------------------------------------------------

def gen_fully_connected(rng, index, writer):
    rank = [2, 3, 2, 3, 1, 4][index % 6]
    k, n_out = int(rng.integers(1, 65)), int(rng.integers(1, 33))
    lead = random_shape(rng, rank - 1, max_elements=max(1, MAX_ELEMENTS // max(k, n_out)), high=5)
    x = normal(rng, lead + [k])
    weight = normal(rng, [n_out, k], 1.0 / math.sqrt(k))
    bias = None if index % 4 == 3 else normal(rng, [n_out], 0.5)
    fused = writer.fused(rng, "FullyConnected", 0.6)
    y = t64(x) @ t64(weight).T
    if bias is not None:
        y = y + t64(bias)
    y = apply_activation(y, fused)
    inputs = [(x, False), (weight, True)] + ([] if bias is None else [(bias, True)])
    writer.add("FullyConnected", "FullyConnected", with_fused({}, fused), inputs, y)


MATMUL_FORMS = ["2d", "batched", "broadcast_batch", "rank_mismatch", "a_1d", "b_1d", "both_1d",
                "b_constant"]


def gen_matmul(rng, index, writer):
    form = MATMUL_FORMS[index % len(MATMUL_FORMS)]
    m, k, n = int(rng.integers(1, 13)), int(rng.integers(1, 25)), int(rng.integers(1, 13))
    batch = random_shape(rng, int(rng.integers(1, 4)), max_elements=12, high=4)
    if form in ("2d", "b_constant"):
        a_shape, b_shape = [m, k], [k, n]
        if form == "b_constant" and rng.random() < 0.5:
            a_shape = batch + [m, k]
    elif form == "batched":
        a_shape, b_shape = batch + [m, k], batch + [k, n]
    elif form == "broadcast_batch":
        a_batch = [d if rng.random() < 0.5 else 1 for d in batch]
        b_batch = [1 if ad != 1 and rng.random() < 0.7 else d for d, ad in zip(batch, a_batch)]
        b_batch = b_batch[int(rng.integers(0, len(b_batch))):]  # b may have fewer batch dims
        a_shape, b_shape = a_batch + [m, k], b_batch + [k, n]
    elif form == "rank_mismatch":
        a_shape, b_shape = [m, k], batch + [k, n]
        if rng.random() < 0.5:
            a_shape, b_shape = batch + [m, k], [k, n]
    elif form == "a_1d":
        a_shape, b_shape = [k], (batch + [k, n]) if rng.random() < 0.6 else [k, n]
    elif form == "b_1d":
        a_shape, b_shape = (batch + [m, k]) if rng.random() < 0.6 else [m, k], [k]
    else:
        a_shape, b_shape = [k], [k]
    a = normal(rng, a_shape)
    b = normal(rng, b_shape, 1.0 / math.sqrt(k))
    y = torch.matmul(t64(a), t64(b))
    b_constant = form == "b_constant" or (form == "2d" and rng.random() < 0.5)
    writer.add("MatMul", "MatMul", {}, [(a, False), (b, b_constant)], y)


# ---- BatchNorm -----------------------------------------------------------------------------------

def gen_batch_norm(rng, index, writer):
    rank = [4, 2, 3, 1, 5, 4][index % 6]
    shape = random_shape(rng, rank, high=7)
    axis = int(rng.integers(0, rank))
    if rank == 4 and index % 3 == 0:
        axis = 3  # NHWC channels
    stored_axis = axis - rank if rng.random() < 0.3 else axis
    channels = shape[axis]
    epsilon = f32([1e-5, 1e-3, 0.1][index % 3])
    x = normal(rng, shape, 2.0)
    scale, bias = normal(rng, [channels]), normal(rng, [channels])
    mean = normal(rng, [channels], 0.5)
    var = rng.uniform(0.2, 2.0, [channels]).astype(np.float32)
    view = [1] * rank
    view[axis] = channels
    y = ((t64(x) - t64(mean).view(view)) / torch.sqrt(t64(var).view(view) + epsilon) *
         t64(scale).view(view) + t64(bias).view(view))
    writer.add("BatchNorm", "BatchNorm", {"epsilon": epsilon, "axis": stored_axis},
               [(x, False), (scale, True), (bias, True), (mean, True), (var, True)], y)


# ---- binary ops ----------------------------------------------------------------------------------

def broadcast_operand(rng, out_shape, form):
    if form == "same":
        return list(out_shape)
    if form == "scalar":
        return []
    rank = int(rng.integers(1, len(out_shape) + 1)) if rng.random() < 0.9 else 0
    shape = list(out_shape[len(out_shape) - rank:])
    return [1 if rng.random() < 0.35 else d for d in shape]


BINARY_FORMS = [("same", "same"), ("same", "broadcast"), ("broadcast", "broadcast"),
                ("broadcast", "same"), ("same", "scalar"), ("scalar", "broadcast")]


def gen_binary(op):
    def gen(rng, index, writer):
        form_a, form_b = BINARY_FORMS[index % len(BINARY_FORMS)]
        out_shape = random_shape(rng, 0 if index == 0 else int(rng.integers(1, 6)), high=6)
        a_shape = broadcast_operand(rng, out_shape, form_a)
        b_shape = broadcast_operand(rng, out_shape, form_b)
        a = normal(rng, a_shape, 1.5)
        if op == "Div":  # keep divisors away from zero
            b = rng.uniform(0.5, 2.0, b_shape) * rng.choice([-1.0, 1.0], b_shape)
            b = b.astype(np.float32)
        else:
            b = normal(rng, b_shape, 1.5)
        fused = writer.fused(rng, op, 0.5)
        ta, tb = t64(a), t64(b)
        y = {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div}[op](ta, tb)
        y = apply_activation(y, fused)
        b_constant = form_b != "same" and rng.random() < 0.3
        writer.add(op, op, with_fused({}, fused), [(a, False), (b, b_constant)], y)
    return gen


# ---- Activation ----------------------------------------------------------------------------------

def gen_activation(kind):
    def gen(rng, index, writer):
        rank = [2, 4, 1, 3, 5, 0, 4, 3][index % 8]
        x = normal(rng, random_shape(rng, rank, high=8), 3.0)
        activation = random_activation(rng, kind)
        y = apply_activation(t64(x), activation)
        writer.add("Activation_" + kind, "Activation", {"activation": activation}, [(x, False)], y)
    return gen


# ---- pools ---------------------------------------------------------------------------------------

POOL_FLAVORS = ["plain", "ceil", "asymmetric_pad", "stride_over_kernel", "dilation", "ceil",
                "global_window", "padded_ceil"]


def pool_expected(x, kind, o, out_h, out_w):
    """NHWC pooling as the schema defines it, on a float64 [N,H,W,C] tensor."""
    kh, kw, sh, sw = o["kernel_h"], o["kernel_w"], o["stride_h"], o["stride_w"]
    dh, dw = o["dilation_h"], o["dilation_w"]
    pt, pl, pb, pr = o["pad_top"], o["pad_left"], o["pad_bottom"], o["pad_right"]
    n, h, w, c = x.shape
    # Extra bottom/right room for ceil-mode windows; those positions never count.
    eh = max(0, (out_h - 1) * sh + dh * (kh - 1) + 1 - (h + pt + pb))
    ew = max(0, (out_w - 1) * sw + dw * (kw - 1) + 1 - (w + pl + pr))
    xt = x.permute(0, 3, 1, 2)
    if kind == "MaxPool2D":
        padded = F.pad(xt, (pl, pr + ew, pt, pb + eh), value=-math.inf)
        y = F.max_pool2d(padded, (kh, kw), stride=(sh, sw), dilation=(dh, dw))
    else:
        def window_sums(t):
            cols = F.unfold(t, (kh, kw), dilation=(dh, dw), stride=(sh, sw))
            return cols.view(t.shape[0], t.shape[1], kh * kw, -1).sum(2)
        sums = window_sums(F.pad(xt, (pl, pr + ew, pt, pb + eh)))
        inside = F.pad(torch.ones(1, 1, h, w, dtype=torch.float64), (pl, pr + ew, pt, pb + eh))
        in_pads = F.pad(torch.ones(1, 1, h + pt + pb, w + pl + pr, dtype=torch.float64),
                        (0, ew, 0, eh))
        divisor = window_sums(in_pads if o["count_include_pad"] else inside)
        assert torch.all(window_sums(inside) > 0), "a window without input taps"
        y = (sums / divisor).view(n, c, window_count(h, pt, pb + eh, kh, sh, dh),
                                  window_count(w, pl, pr + ew, kw, sw, dw))
    assert y.shape[2] == out_h and y.shape[3] == out_w, (y.shape, out_h, out_w)
    return y.permute(0, 2, 3, 1)


def has_empty_window(size, pad_begin, kernel, stride, dilation, count):
    for i in range(count):
        start = i * stride - pad_begin
        if not any(0 <= start + k * dilation < size for k in range(kernel)):
            return True
    return False


def gen_pool(op):
    def gen(rng, index, writer):
        flavor = POOL_FLAVORS[index % len(POOL_FLAVORS)]
        for _ in range(1000):
            kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
            sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
            dh, dw = 1, 1
            if flavor == "stride_over_kernel":
                kh, kw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
                sh, sw = kh + int(rng.integers(1, 3)), kw + int(rng.integers(1, 3))
            if flavor == "dilation" or rng.random() < 0.1:
                dh, dw = int(rng.integers(1, 4)), int(rng.integers(2, 4))
                kh, kw = max(kh, 2), max(kw, 2)
            ext_h, ext_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
            pads = [0, 0, 0, 0]
            if flavor in ("asymmetric_pad", "padded_ceil", "dilation") or rng.random() < 0.4:
                pads = [int(rng.integers(0, e)) if e > 1 else 0
                        for e in (ext_h, ext_w, ext_h, ext_w)]
            pt, pl, pb, pr = pads
            n, c = int(rng.integers(1, 3)), int(rng.integers(1, 9))
            h = int(rng.integers(max(1, ext_h - pt - pb), ext_h + 10))
            w = int(rng.integers(max(1, ext_w - pl - pr), ext_w + 10))
            if flavor == "global_window":
                kh, kw, sh, sw, dh, dw, pads = h, w, 1, 1, 1, 1, [0, 0, 0, 0]
                pt, pl, pb, pr = pads
            ceil_mode = flavor in ("ceil", "padded_ceil") or rng.random() < 0.2
            oh_floor = window_count(h, pt, pb, kh, sh, dh)
            ow_floor = window_count(w, pl, pr, kw, sw, dw)
            oh = window_count(h, pt, pb, kh, sh, dh, ceil_mode)
            ow = window_count(w, pl, pr, kw, sw, dw, ceil_mode)
            if oh_floor < 1 or ow_floor < 1:
                continue
            if flavor in ("ceil", "padded_ceil") and oh == oh_floor and ow == ow_floor:
                continue  # ceil mode that changes nothing
            if n * h * w * c > MAX_ELEMENTS or n * oh * ow * c > MAX_ELEMENTS:
                continue
            # A window with no input tap has no defined value (the schema's pads are at most the
            # window's reach); dilation can also step over a small input.
            if has_empty_window(h, pt, kh, sh, dh, oh) or has_empty_window(w, pl, kw, sw, dw, ow):
                continue
            break
        else:
            raise RuntimeError("no %s shape found" % op)
        options = {"kernel_h": kh, "kernel_w": kw, "stride_h": sh, "stride_w": sw,
                   "dilation_h": dh, "dilation_w": dw, "pad_top": pt, "pad_left": pl,
                   "pad_bottom": pb, "pad_right": pr,
                   "count_include_pad": bool(op == "AveragePool2D" and index % 2 == 1),
                   "ceil_mode": bool(oh != oh_floor or ow != ow_floor)}
        x = normal(rng, [n, h, w, c])
        y = pool_expected(t64(x), op, options, oh, ow)
        writer.add(op, op, options, [(x, False)], y)
    return gen


def gen_global_average_pool(rng, index, writer):
    shape = random_shape(rng, 4, high=9)
    if index == 0:
        shape[1] = shape[2] = 1
    x = normal(rng, shape)
    writer.add("GlobalAveragePool", "GlobalAveragePool", {}, [(x, False)],
               t64(x).mean(dim=(1, 2), keepdim=True))


# ---- ReduceMean, Softmax -------------------------------------------------------------------------

def gen_reduce_mean(rng, index, writer):
    rank = [4, 3, 2, 1, 5, 4][index % 6]
    shape = random_shape(rng, rank, high=8)
    count = int(rng.integers(1, rank + 1))
    if index % 7 == 0:
        count = rank  # every axis
    axes = sorted(int(a) for a in rng.choice(rank, size=count, replace=False))
    keep_dims = bool(index % 2 == 0)
    x = normal(rng, shape, 2.0)
    y = t64(x).mean(dim=tuple(axes), keepdim=keep_dims)
    writer.add("ReduceMean", "ReduceMean", {"axes": axes, "keep_dims": keep_dims}, [(x, False)], y)


def gen_softmax(rng, index, writer):
    rank = [1, 2, 3, 4, 5][index % 5]
    axis = (index // 5) % rank
    shape = random_shape(rng, rank, max_elements=MAX_ELEMENTS // 2, high=10 if rank <= 2 else 6)
    shape[axis] = max(shape[axis], 2)
    x = normal(rng, shape, 3.0)
    writer.add("Softmax", "Softmax", {"axis": axis}, [(x, False)], torch.softmax(t64(x), dim=axis))


# ---- data movement -------------------------------------------------------------------------------

def factorize(rng, total, rank):
    dims = [1] * rank
    primes, rest, p = [], total, 2
    while rest > 1:
        while rest % p == 0:
            primes.append(p)
            rest //= p
        p += 1
    for q in primes:
        dims[int(rng.integers(0, rank))] *= q
    return dims


def gen_reshape(rng, index, writer):
    x = normal(rng, random_shape(rng, int(rng.integers(1, 6)), high=6))
    out_shape = factorize(rng, x.size, int(rng.integers(1, 6)))
    writer.add("Reshape", "Reshape", {}, [(x, False)], t64(x).reshape(out_shape))


def gen_concat(rng, index, writer):
    count = 1 + index % 4
    rank = int(rng.integers(1, 6))
    base = random_shape(rng, rank, max_elements=MAX_ELEMENTS // 8, high=5)
    axis = int(rng.integers(0, rank))
    parts = []
    for _ in range(count):
        shape = list(base)
        shape[axis] = int(rng.integers(1, 5))
        parts.append(normal(rng, shape))
    constant = [count > 1 and rng.random() < 0.25 for _ in parts]
    constant[int(rng.integers(0, count))] = False  # at least one graph input
    stored_axis = axis - rank if rng.random() < 0.3 else axis
    y = torch.cat([t64(p) for p in parts], dim=axis)
    writer.add("Concat", "Concat", {"axis": stored_axis}, list(zip(parts, constant)), y)


def gen_transpose(rng, index, writer):
    rank = 1 + index % 6
    x = normal(rng, random_shape(rng, rank, high=5))
    perm = [int(p) for p in rng.permutation(rank)]
    if index == 6:
        perm = list(range(rank))  # identity
    writer.add("Transpose", "Transpose", {"perm": perm}, [(x, False)], t64(x).permute(perm))


PAD_MODES = ["Constant", "Reflect", "Edge"]


def gen_pad(rng, index, writer):
    mode = PAD_MODES[index % 3]
    rank = int(rng.integers(1, 6))
    shape = random_shape(rng, rank, max_elements=MAX_ELEMENTS // 4, low=1, high=6)
    begins, ends = [], []
    for d in range(rank):
        limit = shape[d] - 1 if mode == "Reflect" else 3  # reflect pads stay below the dimension
        begins.append(int(rng.integers(0, limit + 1)) if rng.random() < 0.7 else 0)
        ends.append(int(rng.integers(0, limit + 1)) if rng.random() < 0.7 else 0)
    value = f32(rng.uniform(-2, 2)) if mode == "Constant" and index % 2 == 0 else 0.0
    x = normal(rng, shape)
    # numpy's np.pad is the independent implementation here: torch 1.13 only reflects or
    # replicates the last 1-3 dims. 'reflect' mirrors without repeating the edge (ONNX reflect).
    np_mode = {"Constant": "constant", "Reflect": "reflect", "Edge": "edge"}[mode]
    kwargs = {"constant_values": value} if mode == "Constant" else {}
    y = np.pad(x.astype(np.float64), list(zip(begins, ends)), mode=np_mode, **kwargs)
    writer.add("Pad", "Pad", {"pads": begins + ends, "mode": mode, "value": value}, [(x, False)], y)


def gen_slice(rng, index, writer):
    rank = int(rng.integers(1, 6))
    shape = random_shape(rng, rank, high=7)
    starts, steps, indices = [], [], []
    for d in range(rank):
        step = int(rng.choice([1, 1, 2, 3, -1, -2]))
        if index % 5 == 0:
            step = -abs(step)  # every axis backwards
        start = int(rng.integers(0, shape[d]))
        reach = start // -step + 1 if step < 0 else (shape[d] - 1 - start) // step + 1
        count = int(rng.integers(1, reach + 1))
        starts.append(start)
        steps.append(step)
        indices.append(start + step * np.arange(count))
    x = normal(rng, shape)
    y = x.astype(np.float64)[np.ix_(*indices)]
    writer.add("Slice", "Slice", {"starts": starts, "steps": steps}, [(x, False)], y)


# ---- transformer ops -----------------------------------------------------------------------------

I32 = {"dtype": "I32"}
STATE = {"state": True}


def gen_gather(rng, index, writer):
    vocab, d = int(rng.integers(1, 40)), int(rng.integers(1, 24))
    rank = [1, 2, 0, 1][index % 4]
    indices_shape = random_shape(rng, rank, max_elements=40, high=7)
    table = normal(rng, [vocab, d])
    indices = rng.integers(0, vocab, size=indices_shape)
    expected = t64(table)[torch.from_numpy(np.asarray(indices, dtype=np.int64))]
    writer.add_q("Gather", "Gather", {}, [(table, True, None), (indices, index % 2 == 0, I32)],
                 expected, None)


def gen_norm(op):
    def gen(rng, index, writer):
        rank = [1, 2, 3, 4][index % 4]
        shape = random_shape(rng, rank, max_elements=MAX_ELEMENTS // 2, high=8)
        shape[-1] = int(rng.integers(1, 70))
        x = normal(rng, shape, 2.0) + rng.normal() * (op == "LayerNorm")
        weight = normal(rng, [shape[-1]], 0.5) + 1.0
        epsilon = f32([1e-6, 1e-5, 1e-3][index % 3])
        inputs = [(x, False), (weight, True)]
        if op == "RmsNorm":
            xx = t64(x)
            y = xx * torch.rsqrt((xx * xx).mean(-1, keepdim=True) + epsilon) * t64(weight)
        else:
            bias = None if index % 3 == 2 else normal(rng, [shape[-1]], 0.5)
            y = F.layer_norm(t64(x), [shape[-1]], t64(weight),
                             None if bias is None else t64(bias), epsilon)
            if bias is not None:
                inputs.append((bias, True))
        writer.add(op, op, {"epsilon": epsilon}, inputs, y)
    return gen


def rope_reference(x, positions, inv_freq, interleaved):
    """x float64 [T, H, D]; the pairs of the schema's Rope rotated by positions x inv_freq."""
    half = inv_freq.shape[0]
    angle = torch.from_numpy(np.asarray(positions, dtype=np.float64))[:, None] * t64(inv_freq)[None, :]
    cos, sin = torch.cos(angle)[:, None, :], torch.sin(angle)[:, None, :]
    y = x.clone()
    if interleaved:
        a, b = x[..., 0:2 * half:2], x[..., 1:2 * half:2]
        y[..., 0:2 * half:2] = a * cos - b * sin
        y[..., 1:2 * half:2] = b * cos + a * sin
    else:
        a, b = x[..., :half], x[..., half:2 * half]
        y[..., :half] = a * cos - b * sin
        y[..., half:2 * half] = b * cos + a * sin
    return y


def gen_rope(rng, index, writer):
    t_len, heads = int(rng.integers(1, 9)), int(rng.integers(1, 5))
    d = 2 * int(rng.integers(1, 17))
    half = d // 2 if index % 3 else int(rng.integers(1, d // 2 + 1))  # partial rotary now and then
    x = normal(rng, [t_len, heads, d])
    positions = rng.integers(0, 3000, size=[t_len])
    theta = [10000.0, 500000.0, 1e6][index % 3]
    inv_freq = np.asarray(1.0 / theta ** (np.arange(0, 2 * half, 2) / (2 * half)), dtype=np.float32)
    interleaved = index % 2 == 1
    y = rope_reference(t64(x), positions, inv_freq, interleaved)
    writer.add_q("Rope", "Rope", {"interleaved": interleaved},
                 [(x, False, None), (positions, False, I32), (inv_freq, True, None)], y, None)


def attention_reference(q, k, v, visible, scale):
    """q [T, Hq, D], k/v [S, Hkv, D] float64; visible[t] keys seen by query t (a prefix)."""
    group = q.shape[1] // k.shape[1]
    k = k.repeat_interleave(group, dim=1)
    v = v.repeat_interleave(group, dim=1)
    scores = torch.einsum("thd,shd->hts", q, k) * scale
    mask = torch.arange(k.shape[0])[None, :] >= torch.as_tensor(visible)[:, None]
    scores = scores.masked_fill(mask[None], float("-inf"))
    return torch.einsum("hts,shd->thd", torch.softmax(scores, dim=-1), v)


def gen_attention(rng, index, writer):
    kv_heads = int(rng.integers(1, 4))
    heads = kv_heads * int(rng.integers(1, 4))
    d = int(rng.integers(1, 17))
    t_len = int(rng.integers(1, 7))
    causal = index % 4 != 3
    scale = 0.0 if index % 5 else f32(0.1 + rng.random())
    used_scale = scale if scale else 1.0 / math.sqrt(d)
    q = normal(rng, [t_len, heads, d])
    options = {"causal": causal, "scale": scale}
    if index % 2 == 0:  # no cache: S keys, the last T of them aligned with the queries
        s_len = t_len + int(rng.integers(0, 5))
        k, v = normal(rng, [s_len, kv_heads, d]), normal(rng, [s_len, kv_heads, d])
        visible = [t + s_len - t_len + 1 if causal else s_len for t in range(t_len)]
        y = attention_reference(t64(q), t64(k), t64(v), visible, used_scale)
        writer.add("Attention", "Attention", options, [(q, False), (k, False), (v, False)], y)
        return
    # With a cache of C rows, zero before the run: rows positions[t] get k[t] and v[t].
    capacity = int(rng.integers(t_len, t_len + 9))
    start = int(rng.integers(0, capacity - t_len + 1))
    positions = np.arange(start, start + t_len)
    k, v = normal(rng, [t_len, kv_heads, d]), normal(rng, [t_len, kv_heads, d])
    k_cache, v_cache = np.zeros([capacity, kv_heads, d]), np.zeros([capacity, kv_heads, d])
    k_cache[positions], v_cache[positions] = k, v
    last = start + t_len
    visible = [p + 1 if causal else last for p in positions]
    y = attention_reference(t64(q), t64(k_cache[:last]), t64(v_cache[:last]), visible, used_scale)
    zeros = np.zeros([capacity, kv_heads, d], dtype=np.float32)
    writer.add_q("Attention", "Attention", options,
                 [(q, False, None), (k, False, None), (v, False, None), (zeros, False, STATE),
                  (zeros, False, STATE), (positions, False, I32)], y, None)


# ---- main ----------------------------------------------------------------------------------------

def generators():
    table = [
        ("Conv2D", gen_conv2d), ("FullyConnected", gen_fully_connected), ("MatMul", gen_matmul),
        ("BatchNorm", gen_batch_norm),
        ("Add", gen_binary("Add")), ("Sub", gen_binary("Sub")), ("Mul", gen_binary("Mul")),
        ("Div", gen_binary("Div")),
        ("MaxPool2D", gen_pool("MaxPool2D")), ("AveragePool2D", gen_pool("AveragePool2D")),
        ("GlobalAveragePool", gen_global_average_pool), ("ReduceMean", gen_reduce_mean),
        ("Softmax", gen_softmax), ("Reshape", gen_reshape), ("Concat", gen_concat),
        ("Transpose", gen_transpose), ("Pad", gen_pad), ("Slice", gen_slice),
        ("Gather", gen_gather), ("RmsNorm", gen_norm("RmsNorm")),
        ("LayerNorm", gen_norm("LayerNorm")), ("Rope", gen_rope), ("Attention", gen_attention),
    ]
    for label, gen in table:
        yield label, gen, COUNTS[label]
    for kind in ACTIVATION_KINDS:
        count = ACTIVATION_NONE_CASES if kind == "None" else ACTIVATION_CASES
        yield "Activation_" + kind, gen_activation(kind), count
    yield from int8_cases.generators()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    began = time.time()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    for name in os.listdir(args.out):  # stale cases of an earlier run
        if name.endswith(".npy") or name == "cases.json":
            os.remove(os.path.join(args.out, name))

    writer = Writer(args.out)
    for label, gen, count in generators():
        rng = np.random.default_rng([args.seed, zlib.crc32(label.encode())])
        for index in range(count):
            gen(rng, index, writer)

    temporary = os.path.join(args.out, "cases.json.tmp")
    with open(temporary, "w") as f:
        json.dump(writer.cases, f, indent=1)
    os.replace(temporary, os.path.join(args.out, "cases.json"))
    summary = ", ".join("%s %d" % item for item in writer.counters.items())
    print("wrote %d cases to %s in %.1f s (%s)" % (len(writer.cases), args.out,
                                                  time.time() - began, summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
