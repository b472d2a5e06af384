#!/usr/bin/env python3
"""Generate small per-op-pattern ONNX fixtures for the converter tests.

Each case is a tiny PyTorch module exported to ONNX (opset 13 by default, static
shapes, batch 1, input "input", output "output"; the one exception,
conv_view_linear_dynbatch, has a symbolic batch dim) together with a seeded random
input and PyTorch's output for it:

  DIR/<case>.onnx
  DIR/<case>_input.npy     float32
  DIR/<case>_output.npy    float32
  DIR/manifest.json        case -> input/output shapes and ONNX op types

Inputs are 4-D NCHW wherever that makes sense, so the converter's NCHW->NHWC
layout handling is exercised, including layout-sensitive consumers of conv
outputs (Flatten, Reshape, Transpose, Concat, Softmax(axis=1), ReduceMean(axis=1)).

Usage:
  /usr/bin/python3 models/make_op_fixtures.py --out DIR [--opset 13] [--cases a,b,...]
"""
import argparse
import collections
import json
import os
import time
import warnings
import zlib

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F


def randomize_bn(bn, seed):
    g = torch.Generator().manual_seed(seed)
    c = bn.num_features
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
        bn.running_var.copy_(torch.rand(c, generator=g) + 0.5)
        bn.weight.copy_(torch.rand(c, generator=g) + 0.5)
        bn.bias.copy_(torch.randn(c, generator=g) * 0.1)


class Fn(nn.Module):
    """Wraps a function of the input; submodules passed as kwargs get registered."""

    def __init__(self, fn, **mods):
        super().__init__()
        self.fn = fn
        for k, v in mods.items():
            setattr(self, k, v)

    def forward(self, x):
        return self.fn(self, x)


# --- cases -----------------------------------------------------------------
# Each entry: name -> (builder returning a module, input shape, input scale[, export options]).
# Builders are called right after torch.manual_seed(0). Export options:
#   fold=False           export with do_constant_folding=False
#   dynamic_batch=True   mark dim 0 of input and output as symbolic ("batch")

def conv(cin, cout, k=3, **kw):
    return nn.Conv2d(cin, cout, k, **kw)


def _batchnorm_after_add():
    bn = nn.BatchNorm2d(8)
    randomize_bn(bn, 1)
    return Fn(lambda m, x: m.bn(x + m.conv(x)), conv=conv(8, 8, padding=1), bn=bn)


def _broadcast_channel():
    g = torch.Generator().manual_seed(2)
    m = Fn(lambda m, x: (((x + m.a) * m.b - m.c) / m.d - 0.5) * 2.0 / 3.0 + 1.0)
    m.register_buffer("a", torch.randn(1, 8, 1, 1, generator=g))
    m.register_buffer("b", torch.randn(1, 8, 1, 1, generator=g))
    m.register_buffer("c", torch.randn(1, 8, 1, 1, generator=g))
    m.register_buffer("d", torch.rand(1, 8, 1, 1, generator=g) + 0.5)
    return m


def _broadcast_spatial():
    # Operands that broadcast over H/W rather than C: [1,1,5,5], [5] (the W axis), [5,1].
    g = torch.Generator().manual_seed(3)
    m = Fn(lambda m, x: ((x * m.hw) + m.w - m.h) / m.d)
    m.register_buffer("hw", torch.randn(1, 1, 5, 5, generator=g))
    m.register_buffer("w", torch.randn(5, generator=g))
    m.register_buffer("h", torch.randn(5, 1, generator=g))
    m.register_buffer("d", torch.rand(1, 8, 5, 5, generator=g) + 0.5)
    return m


def _broadcast_tensors():
    # Both operands computed at run time: [1,8,5,5] op [1,8,1,1] op [1,1,5,5].
    def f(m, x):
        y = m.conv(x)
        s = y.mean(dim=(2, 3), keepdim=True)
        t = y.amax(dim=1, keepdim=True)
        return (y - s) * t + y / (t.abs() + 1.0)
    return Fn(f, conv=conv(8, 8, padding=1))


def _act(fn):
    return lambda: Fn(lambda m, x: fn(x))


CASES = collections.OrderedDict([
    # convolution variants
    ("conv_groups", (lambda: conv(8, 16, padding=1, groups=4), (1, 8, 10, 10), 1.0)),
    ("conv_depthwise_s2_d2",
     (lambda: conv(8, 8, stride=2, padding=2, dilation=2, groups=8), (1, 8, 13, 13), 1.0)),
    ("conv_asym_pad",
     (lambda: Fn(lambda m, x: m.conv(F.pad(x, (1, 2, 0, 1))), conv=conv(4, 8)), (1, 4, 9, 9), 1.0)),
    ("conv_stride2_nobias",
     (lambda: conv(4, 8, stride=2, padding=1, bias=False), (1, 4, 10, 10), 1.0)),
    # matrix multiplication
    ("linear_3d", (lambda: nn.Linear(12, 16), (1, 5, 12), 1.0)),
    ("gemm", (lambda: nn.Linear(24, 10), (1, 24), 1.0)),
    # standalone batch norm (input is an Add, so it cannot be folded into the conv)
    ("batchnorm_standalone", (_batchnorm_after_add, (1, 8, 6, 6), 1.0)),
    # broadcasting arithmetic
    ("broadcast_channel", (_broadcast_channel, (1, 8, 5, 5), 1.0)),
    ("broadcast_spatial", (_broadcast_spatial, (1, 8, 5, 5), 1.0)),
    ("broadcast_tensors", (_broadcast_tensors, (1, 8, 5, 5), 1.0)),
    # activations (input scaled so clamps / saturation regions are hit)
    ("act_relu", (_act(F.relu), (1, 8, 6, 6), 4.0)),
    ("act_relu6", (_act(F.relu6), (1, 8, 6, 6), 4.0)),
    ("act_clamp", (_act(lambda x: torch.clamp(x, 0.0, 6.0)), (1, 8, 6, 6), 4.0)),
    ("act_leaky_relu", (_act(lambda x: F.leaky_relu(x, 0.1)), (1, 8, 6, 6), 4.0)),
    ("act_sigmoid", (_act(torch.sigmoid), (1, 8, 6, 6), 4.0)),
    ("act_tanh", (_act(torch.tanh), (1, 8, 6, 6), 4.0)),
    ("act_hardsigmoid", (_act(F.hardsigmoid), (1, 8, 6, 6), 4.0)),
    ("act_hardswish", (_act(F.hardswish), (1, 8, 6, 6), 4.0)),
    ("act_gelu", (_act(F.gelu), (1, 8, 6, 6), 4.0)),
    ("act_silu", (_act(F.silu), (1, 8, 6, 6), 4.0)),
    # pooling
    ("maxpool_k3s2p1", (lambda: nn.MaxPool2d(3, 2, 1), (1, 4, 11, 11), 1.0)),
    ("maxpool_ceil", (lambda: nn.MaxPool2d(3, 2, ceil_mode=True), (1, 4, 10, 10), 1.0)),
    ("avgpool_pad_include", (lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=True), (1, 4, 9, 9), 1.0)),
    ("avgpool_pad_exclude", (lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False), (1, 4, 9, 9), 1.0)),
    ("global_avgpool",
     (lambda: Fn(lambda m, x: m.pool(m.conv(x)), conv=conv(4, 8, padding=1),
                 pool=nn.AdaptiveAvgPool2d(1)), (1, 4, 7, 7), 1.0)),
    # reductions
    ("reduce_mean_spatial_keepdim",
     (lambda: Fn(lambda m, x: m.conv(x).mean(dim=(2, 3), keepdim=True), conv=conv(4, 8, padding=1)),
      (1, 4, 6, 6), 1.0)),
    ("reduce_mean_channel",
     (lambda: Fn(lambda m, x: m.conv(x).mean(dim=1), conv=conv(4, 8, padding=1)), (1, 4, 6, 7), 1.0)),
    ("reduce_mean_last",
     (lambda: Fn(lambda m, x: m.conv(x).mean(dim=-1), conv=conv(4, 8, padding=1)), (1, 4, 6, 7), 1.0)),
    # softmax
    ("softmax_last",
     (lambda: Fn(lambda m, x: torch.softmax(m.conv(x), dim=-1), conv=conv(4, 8, padding=1)),
      (1, 4, 5, 6), 1.0)),
    ("softmax_channel",
     (lambda: Fn(lambda m, x: torch.softmax(m.conv(x), dim=1), conv=conv(4, 8, padding=1)),
      (1, 4, 5, 6), 1.0)),
    ("softmax_2d",
     (lambda: Fn(lambda m, x: torch.softmax(m.fc(x), dim=1), fc=nn.Linear(24, 10)), (1, 24), 1.0)),
    # reshapes of conv outputs (layout-sensitive)
    ("conv_flatten_linear",
     (lambda: Fn(lambda m, x: m.fc(torch.flatten(F.relu(m.conv(x)), 1)),
                 conv=conv(3, 4, padding=1), fc=nn.Linear(4 * 5 * 6, 10)), (1, 3, 5, 6), 1.0)),
    ("conv_view_linear",
     (lambda: Fn(lambda m, x: m.fc(F.relu(m.conv(x)).view(x.size(0), -1)),
                 conv=conv(3, 4, padding=1), fc=nn.Linear(4 * 5 * 6, 10)), (1, 3, 5, 6), 1.0)),
    # same graph without constant folding: the Reshape target is an Unsqueeze/Concat chain
    ("conv_view_linear_nofold",
     (lambda: Fn(lambda m, x: m.fc(F.relu(m.conv(x)).view(x.size(0), -1)),
                 conv=conv(3, 4, padding=1), fc=nn.Linear(4 * 5 * 6, 10)), (1, 3, 5, 6), 1.0,
      {"fold": False})),
    # same graph with a symbolic batch dim: Shape/Gather/Unsqueeze/Concat feed the Reshape
    ("conv_view_linear_dynbatch",
     (lambda: Fn(lambda m, x: m.fc(F.relu(m.conv(x)).view(x.size(0), -1)),
                 conv=conv(3, 4, padding=1), fc=nn.Linear(4 * 5 * 6, 10)), (1, 3, 5, 6), 1.0,
      {"dynamic_batch": True})),
    ("conv_reshape_tokens",
     (lambda: Fn(lambda m, x: m.conv(x).reshape(1, 8, -1).transpose(1, 2), conv=conv(4, 8, padding=1)),
      (1, 4, 5, 6), 1.0)),
    ("conv_reshape_4d",
     (lambda: Fn(lambda m, x: m.conv(x).reshape(1, 4, -1, 6), conv=conv(4, 8, padding=1)),
      (1, 4, 5, 6), 1.0)),
    ("permute_nhwc",
     (lambda: Fn(lambda m, x: m.conv(x).permute(0, 2, 3, 1), conv=conv(4, 8, padding=1)),
      (1, 4, 5, 6), 1.0)),
    ("permute_linear",
     (lambda: Fn(lambda m, x: F.relu(m.fc(m.conv(x).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)),
                 conv=conv(4, 8, padding=1), fc=nn.Linear(8, 6)), (1, 4, 5, 6), 1.0)),
    ("concat_channels",
     (lambda: Fn(lambda m, x: m.c3(torch.cat([m.c1(x), x, m.c2(x)], dim=1)),
                 c1=conv(4, 6, padding=1), c2=conv(4, 2, 1), c3=conv(12, 8, 1)), (1, 4, 6, 6), 1.0)),
    # padding
    ("pad_constant", (lambda: Fn(lambda m, x: F.pad(x, (1, 2, 2, 1), mode="constant", value=0.5)),
                      (1, 4, 5, 6), 1.0)),
    ("pad_reflect", (lambda: Fn(lambda m, x: F.pad(x, (1, 2, 2, 1), mode="reflect")), (1, 4, 5, 6), 1.0)),
    ("pad_replicate", (lambda: Fn(lambda m, x: F.pad(x, (1, 2, 2, 1), mode="replicate")),
                       (1, 4, 5, 6), 1.0)),
    # slicing / shape ops
    ("slice_steps", (lambda: Fn(lambda m, x: x[:, 2:7, ::2, 1:-1]), (1, 8, 8, 8), 1.0)),
    ("squeeze_unsqueeze",
     (lambda: Fn(lambda m, x: x * torch.sigmoid(
         m.fc(m.pool(x).squeeze(-1).squeeze(-1))).unsqueeze(-1).unsqueeze(-1),
         pool=nn.AdaptiveAvgPool2d(1), fc=nn.Linear(8, 8)), (1, 8, 5, 5), 1.0)),
    ("dropout_eval",
     (lambda: Fn(lambda m, x: F.relu(m.drop(m.conv(x))), conv=conv(4, 8, padding=1),
                 drop=nn.Dropout(0.5)), (1, 4, 6, 6), 1.0)),
])


def export_case(name, out_dir, opset):
    builder, shape, scale = CASES[name][:3]
    opts = CASES[name][3] if len(CASES[name]) > 3 else {}
    torch.manual_seed(0)
    model = builder().eval()
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    x = (rng.standard_normal(shape) * scale).astype(np.float32)
    with torch.no_grad():
        y = model(torch.from_numpy(x)).numpy().astype(np.float32)
    path = os.path.join(out_dir, name + ".onnx")
    # PRESERVE + eval(): nothing is pre-fused by the exporter (BatchNorm stays a node).
    with warnings.catch_warnings():
        # Exporter notes that do not apply here (the model is in eval mode; the Slice
        # with step -1 inside F.pad's pads computation is simply left unfolded).
        warnings.filterwarnings("ignore", message=".*constant folding be turned off.*")
        warnings.filterwarnings("ignore", message=".*Only steps=1 can be constant folded.*")
        warnings.filterwarnings("ignore", message=".*shape inference of prim::Constant.*")
        torch.onnx.export(
            model,
            torch.from_numpy(x),
            path,
            input_names=["input"],
            output_names=["output"],
            opset_version=opset,
            do_constant_folding=opts.get("fold", True),
            training=torch.onnx.TrainingMode.PRESERVE,
            dynamic_axes=({"input": {0: "batch"}, "output": {0: "batch"}}
                          if opts.get("dynamic_batch") else None),
        )
    graph = onnx.load(path)
    onnx.checker.check_model(graph)
    np.save(os.path.join(out_dir, name + "_input.npy"), np.ascontiguousarray(x))
    np.save(os.path.join(out_dir, name + "_output.npy"), np.ascontiguousarray(y))
    ops = collections.Counter(n.op_type for n in graph.graph.node)
    info = {"input_shape": list(x.shape), "output_shape": list(y.shape),
            "ops": dict(sorted(ops.items()))}
    info.update(opts)
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--cases", default="", help="comma-separated subset of cases (default: all)")
    ap.add_argument("--list", action="store_true", help="list case names and exit")
    args = ap.parse_args()
    if args.list:
        print("\n".join(CASES))
        return

    torch.set_num_threads(2)
    t0 = time.time()
    names = [c.strip() for c in args.cases.split(",") if c.strip()] or list(CASES)
    unknown = [c for c in names if c not in CASES]
    if unknown:
        raise SystemExit("unknown case(s): %s (see --list)" % ", ".join(unknown))
    os.makedirs(args.out, exist_ok=True)
    manifest = collections.OrderedDict()
    for name in names:
        manifest[name] = export_case(name, args.out, args.opset)
        info = manifest[name]
        print("%-28s %-16s -> %-16s %s" % (
            name, "x".join(map(str, info["input_shape"])), "x".join(map(str, info["output_shape"])),
            " ".join("%s%s" % (op, "" if n == 1 else "x%d" % n) for op, n in info["ops"].items())))
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        # one line per case
        f.write('{\n "opset": %d,\n "cases": {\n' % args.opset)
        f.write(",\n".join("  %s: %s" % (json.dumps(k), json.dumps(v)) for k, v in manifest.items()))
        f.write("\n }\n}\n")
    print("%d cases written to %s in %.1f s" % (len(names), args.out, time.time() - t0))


if __name__ == "__main__":
    main()
