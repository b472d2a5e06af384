#!/usr/bin/env python3
"""Export randomly initialised torchvision classifiers to ONNX reference fixtures.

For each requested model this writes:

  DIR/<name>.onnx         ONNX graph (input "input" 1x3x224x224, output "output" 1x1000)
  DIR/<name>_input.npy    float32 seeded N(0,1) input, shape 1x3x224x224
  DIR/<name>_output.npy   PyTorch's output for that input, float32, shape 1x1000

Weights are random (weights=None, torch.manual_seed(0)); BatchNorm statistics and
affine parameters are randomised as well, and BatchNormalization nodes are kept
unfused in the ONNX graph so the converter's BN-folding pass has real work to do.

Usage:
  /usr/bin/python3 models/export_torchvision.py --out DIR [--opset 13] [--models resnet18,...]

Models: resnet18, mobilenet_v2, mobilenet_v3_small, efficientnet_b0, squeezenet1_1 (the default
set, the e2e fixtures) and resnet50 (the model benchmark's, on request).
"""
import argparse
import collections
import os
import time
import warnings

import numpy as np
import onnx
import torch
import torchvision

# Exported by default: the e2e test fixtures, each about a second on the reference backend.
DEFAULT = ("resnet18", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0", "squeezenet1_1")
# Also exportable: the rest of the model benchmark's set (bench/).
ALL = DEFAULT + ("resnet50",)
# SqueezeNet has no BatchNorm; every other model must keep its BatchNormalization nodes.
NO_BATCH_NORM = ("squeezenet1_1",)


def build(name):
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.1)
    model.eval()
    return model


def op_counts(path):
    graph = onnx.load(path).graph
    return collections.Counter(n.op_type for n in graph.node)


def export(name, out_dir, opset):
    t0 = time.time()
    model = build(name)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 3, 224, 224)).astype(np.float32)
    with torch.no_grad():
        y = model(torch.from_numpy(x)).numpy().astype(np.float32)

    onnx_path = os.path.join(out_dir, name + ".onnx")
    # PRESERVE + eval(): BatchNorm stays a separate node (EVAL mode would fuse it into Conv).
    # The exporter warns about constant folding in training-amenable mode; the model is
    # in eval mode, so the warning does not apply.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*constant folding be turned off.*")
        torch.onnx.export(
            model,
            torch.from_numpy(x),
            onnx_path,
            input_names=["input"],
            output_names=["output"],
            opset_version=opset,
            do_constant_folding=True,
            training=torch.onnx.TrainingMode.PRESERVE,
        )
    onnx.checker.check_model(onnx.load(onnx_path))
    np.save(os.path.join(out_dir, name + "_input.npy"), np.ascontiguousarray(x))
    np.save(os.path.join(out_dir, name + "_output.npy"), np.ascontiguousarray(y))

    counts = op_counts(onnx_path)
    if counts.get("BatchNormalization", 0) == 0 and name not in NO_BATCH_NORM:
        raise SystemExit("%s: exported graph has no BatchNormalization nodes" % name)
    print("%s (opset %d): %s" % (name, opset, onnx_path))
    for op, n in sorted(counts.items()):
        print("  %-22s %d" % (op, n))
    print("  output shape %s, %.1f s" % (y.shape, time.time() - t0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--models", default=",".join(DEFAULT),
                    help="comma-separated subset of: " + ", ".join(ALL))
    args = ap.parse_args()

    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        if name not in ALL:
            raise SystemExit("unsupported model %r (choose from %s)" % (name, ", ".join(ALL)))
        export(name, args.out, args.opset)


if __name__ == "__main__":
    main()
