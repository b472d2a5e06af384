"""Conformance cases of the full-integer int8 ops (runtime/core/int8_arith.h), with expected outputs
from PyTorch's quantized operators (QNNPACK engine). PyTorch works on uint8 activations; an int8
value q with zero point z is the uint8 value q + 128 with zero point z + 128 (the same real value).

Tensors are saved as float32 .npy files holding the integers; the case's tensor entries carry
"dtype" ("I8" or "I32"), "scale", "zero_point" and "axis" (-1 per tensor, 0 per output channel).
PyTorch and Sprig may round a value that falls within float error of a half differently, so the
expected I8 values hold to within 1.
"""

import math

import numpy as np
import torch
import torch.ao.nn.quantized.functional as qF

torch.backends.quantized.engine = "qnnpack"

COUNTS = {"Quantize": 8, "Dequantize": 6, "Conv2D_int8": 18, "FullyConnected_int8": 8,
          "Add_int8": 8, "MaxPool2D_int8": 6, "GlobalAveragePool_int8": 4, "Reshape_int8": 3}


def f32(value):
    return float(np.float32(value))


def params_for(lo, hi):
    """The converter's choice of scale and zero point for the range [lo, hi]."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    scale = f32((hi - lo) / 255.0) if hi > lo else 1.0
    zero_point = int(np.clip(np.rint(-128.0 - lo / scale), -128, 127))
    return scale, zero_point


def spec(scale, zero_point, dtype="I8"):
    return {"dtype": dtype, "scale": [scale], "zero_point": [zero_point], "axis": -1}


def random_params(rng):
    return f32(rng.uniform(0.005, 0.05)), int(rng.integers(-60, 61))


def random_int8(rng, shape):
    return rng.integers(-128, 128, size=shape).astype(np.int64)


def to_torch_u8(q, scale, zero_point, nchw=False):
    """int8 values (NHWC when nchw) as a PyTorch quint8 tensor (NCHW when nchw)."""
    t = torch.from_numpy((np.asarray(q) + 128).astype(np.uint8))
    if nchw:
        t = t.permute(0, 3, 1, 2).contiguous()
    return torch._make_per_tensor_quantized_tensor(t, scale, zero_point + 128)


def from_torch_u8(t, nchw=False):
    if nchw:
        t = t.permute(0, 2, 3, 1)
    return t.int_repr().numpy().astype(np.int64) - 128


def dequantized(q, scale, zero_point):
    return (np.asarray(q, dtype=np.float64) - zero_point) * scale


def per_channel_weights(rng, shape):
    q = rng.integers(-127, 128, size=shape).astype(np.int64)
    scales = [f32(s) for s in rng.uniform(0.002, 0.02, size=shape[0])]
    return q, scales


def torch_weights(q, scales, nchw=False):
    t = torch.from_numpy(np.asarray(q).astype(np.int8))
    if nchw:
        t = t.permute(0, 3, 1, 2).contiguous()
    return torch._make_per_channel_quantized_tensor(
        t, torch.tensor(scales, dtype=torch.float64), torch.zeros(len(scales), dtype=torch.long), 0)


def fused_activation(rng, index):
    form = index % 4
    if form == 1:
        return {"kind": "Relu", "alpha": 0.0, "beta": 0.0}
    if form == 2:
        return {"kind": "Clip", "alpha": 0.0, "beta": f32(rng.uniform(0.5, 3.0))}
    return None


def apply_fused(y, fused):
    if fused is None:
        return y
    if fused["kind"] == "Relu":
        return torch.relu(y)
    return torch.clamp(y, fused["alpha"], fused["beta"])


def output_params(real, fused):
    lo, hi = float(real.min()), float(real.max())
    if fused is not None:
        lo = max(lo, fused["alpha"])
        hi = min(hi, fused["beta"]) if fused["kind"] == "Clip" else hi
    return params_for(lo, hi)


def gen_quantize(rng, index, writer):
    shape = [int(d) for d in rng.integers(1, 7, size=int(rng.integers(1, 5)))]
    x = (rng.standard_normal(shape) * 2).astype(np.float32)
    if index == 0:
        x.flat[0], x.flat[-1] = 1e6, -1e6  # saturates
    scale, zero_point = random_params(rng)
    y = torch.quantize_per_tensor(torch.from_numpy(x), scale, zero_point + 128, torch.quint8)
    writer.add_q("Quantize", "Quantize", {}, [(x, False, None)], from_torch_u8(y),
                 spec(scale, zero_point))


def gen_dequantize(rng, index, writer):
    shape = [int(d) for d in rng.integers(1, 7, size=int(rng.integers(1, 5)))]
    scale, zero_point = random_params(rng)
    q = random_int8(rng, shape)
    y = to_torch_u8(q, scale, zero_point).dequantize().double()
    writer.add_q("Dequantize", "Dequantize", {}, [(q, False, spec(scale, zero_point))], y, None)


def gen_conv2d(rng, index, writer):
    depthwise = index % 3 == 2
    groups = 1
    while True:
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        sh, sw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        dh, dw = (2, 1) if index % 5 == 4 else (1, 1)
        ph, pw = int(rng.integers(0, kh)), int(rng.integers(0, kw))
        n, h, w = int(rng.integers(1, 3)), int(rng.integers(3, 10)), int(rng.integers(3, 10))
        if depthwise:
            c = int(rng.integers(2, 17))
            groups, o, cpg = c, c, 1
        else:
            c, o = int(rng.integers(1, 33)), int(rng.integers(1, 33))
            cpg = c
        oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
        ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
        if oh >= 1 and ow >= 1 and n * h * w * c <= 3000 and n * oh * ow * o <= 3000:
            break
    sx, zx = random_params(rng)
    xq = random_int8(rng, [n, h, w, c])
    wq, w_scales = per_channel_weights(rng, [o, kh, kw, cpg])
    bias = None if index % 6 == 5 else rng.integers(-3000, 3001, size=o).astype(np.int64)
    bias_f = None if bias is None else torch.tensor(
        [b * sx * s for b, s in zip(bias, w_scales)], dtype=torch.float32)
    x_t = to_torch_u8(xq, sx, zx, nchw=True)
    w_t = torch_weights(wq, w_scales, nchw=True)
    real = torch.nn.functional.conv2d(x_t.dequantize(), w_t.dequantize(), bias_f, (sh, sw),
                                      (ph, pw), (dh, dw), groups)
    fused = fused_activation(rng, index)
    sy, zy = output_params(real, fused)
    y = qF.conv2d(x_t, w_t, bias_f, stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw),
                  groups=groups, scale=sy, zero_point=zy + 128)
    options = {"stride_h": sh, "stride_w": sw, "dilation_h": dh, "dilation_w": dw,
               "pad_top": ph, "pad_left": pw, "pad_bottom": ph, "pad_right": pw, "groups": groups}
    if fused is not None:
        options["fused"] = fused
    weights = {"dtype": "I8", "scale": w_scales, "zero_point": [0] * o, "axis": 0}
    inputs = [(xq, False, spec(sx, zx)), (wq, True, weights)]
    if bias is not None:
        inputs.append((bias, True, {"dtype": "I32"}))
    writer.add_q("Conv2D_int8", "Conv2D", options, inputs,
                 from_torch_u8(apply_fused(y.contiguous(), fused), nchw=True), spec(sy, zy))


def gen_fully_connected(rng, index, writer):
    rows, k, n_out = int(rng.integers(1, 6)), int(rng.integers(1, 80)), int(rng.integers(1, 40))
    sx, zx = random_params(rng)
    xq = random_int8(rng, [rows, k])
    wq, w_scales = per_channel_weights(rng, [n_out, k])
    bias = None if index % 4 == 3 else rng.integers(-3000, 3001, size=n_out).astype(np.int64)
    bias_f = None if bias is None else torch.tensor(
        [b * sx * s for b, s in zip(bias, w_scales)], dtype=torch.float32)
    x_t = to_torch_u8(xq, sx, zx)
    w_t = torch_weights(wq, w_scales)
    real = torch.nn.functional.linear(x_t.dequantize(), w_t.dequantize(), bias_f)
    fused = fused_activation(rng, index)
    sy, zy = output_params(real, fused)
    y = qF.linear(x_t, w_t, bias_f, sy, zy + 128)
    weights = {"dtype": "I8", "scale": w_scales, "zero_point": [0] * n_out, "axis": 0}
    inputs = [(xq, False, spec(sx, zx)), (wq, True, weights)]
    if bias is not None:
        inputs.append((bias, True, {"dtype": "I32"}))
    options = {} if fused is None else {"fused": fused}
    writer.add_q("FullyConnected_int8", "FullyConnected", options, inputs,
                 from_torch_u8(apply_fused(y, fused)), spec(sy, zy))


def gen_add(rng, index, writer):
    shape = [int(d) for d in rng.integers(1, 9, size=int(rng.integers(1, 5)))]
    (sa, za), (sb, zb) = random_params(rng), random_params(rng)
    aq, bq = random_int8(rng, shape), random_int8(rng, shape)
    a_t, b_t = to_torch_u8(aq, sa, za), to_torch_u8(bq, sb, zb)
    relu = index % 2 == 1
    real = a_t.dequantize() + b_t.dequantize()
    sy, zy = output_params(real, {"kind": "Relu", "alpha": 0.0} if relu else None)
    add = torch.ops.quantized.add_relu if relu else torch.ops.quantized.add
    y = add(a_t, b_t, sy, zy + 128)
    options = {"fused": {"kind": "Relu", "alpha": 0.0, "beta": 0.0}} if relu else {}
    writer.add_q("Add_int8", "Add", options, [(aq, False, spec(sa, za)), (bq, False, spec(sb, zb))],
                 from_torch_u8(y), spec(sy, zy))


def gen_max_pool(rng, index, writer):
    k = int(rng.integers(2, 4))  # QNNPACK has no 1x1 max pool
    s, p = int(rng.integers(1, 3)), int(rng.integers(0, k // 2 + 1))
    n, h, w, c = 1, int(rng.integers(k, 10)), int(rng.integers(k, 10)), int(rng.integers(1, 20))
    sx, zx = random_params(rng)
    xq = random_int8(rng, [n, h, w, c])
    y = torch.nn.functional.max_pool2d(to_torch_u8(xq, sx, zx, nchw=True), k, s, p)
    options = {"kernel_h": k, "kernel_w": k, "stride_h": s, "stride_w": s, "pad_top": p,
               "pad_left": p, "pad_bottom": p, "pad_right": p}
    writer.add_q("MaxPool2D_int8", "MaxPool2D", options, [(xq, False, spec(sx, zx))],
                 from_torch_u8(y, nchw=True), spec(sx, zx))


def gen_global_average_pool(rng, index, writer):
    n, h, w, c = 1, int(rng.integers(1, 9)), int(rng.integers(1, 9)), int(rng.integers(1, 33))
    sx, zx = random_params(rng)
    xq = random_int8(rng, [n, h, w, c])
    mean = torch.from_numpy(dequantized(xq, sx, zx).mean(axis=(1, 2), keepdims=True))
    sy, zy = params_for(float(mean.min()), float(mean.max()))
    y = torch.quantize_per_tensor(mean.float(), sy, zy + 128, torch.quint8)
    writer.add_q("GlobalAveragePool_int8", "GlobalAveragePool", {}, [(xq, False, spec(sx, zx))],
                 from_torch_u8(y), spec(sy, zy))


def gen_reshape(rng, index, writer):
    shape = [int(d) for d in rng.integers(1, 7, size=3)]
    sx, zx = random_params(rng)
    xq = random_int8(rng, shape)
    y = xq.reshape(shape[0], -1)
    writer.add_q("Reshape_int8", "Reshape", {}, [(xq, False, spec(sx, zx))], y, spec(sx, zx))


def generators():
    table = [("Quantize", gen_quantize), ("Dequantize", gen_dequantize),
             ("Conv2D_int8", gen_conv2d), ("FullyConnected_int8", gen_fully_connected),
             ("Add_int8", gen_add), ("MaxPool2D_int8", gen_max_pool),
             ("GlobalAveragePool_int8", gen_global_average_pool), ("Reshape_int8", gen_reshape)]
    for label, gen in table:
        yield label, gen, COUNTS[label]
