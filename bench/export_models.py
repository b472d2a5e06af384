#!/usr/bin/env python3
"""Export the benchmark's torchvision models to ONNX and convert them to .sprig, into a cache dir.

For each model M this makes, in --cache (default build/bench-models, git-ignored):
  M.onnx, M_input.npy, M_output.npy   models/export_torchvision.py (random init, fixed seeds)
  M.sprig                             sprig-convert M.onnx (f32, optimized)
Existing files are reused; a .sprig older than its .onnx or than sprig-convert is redone.

Usage:
  /usr/bin/python3 bench/export_models.py [--models a,b] [--cache DIR] [--build-dir DIR]
"""
import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ("resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0",
          "squeezenet1_1")
DEFAULT_CACHE = os.path.join(ROOT, "build", "bench-models")
DEFAULT_BUILD = "/tmp/build-bench"
TORCH_PYTHON = "/usr/bin/python3"  # Debian's interpreter, the one with torch


def converter(build_dir):
    path = os.path.join(build_dir, "converter", "sprig-convert")
    if not os.path.exists(path):
        raise SystemExit("%s not found: build it first (cmake --build %s --target sprig_convert)"
                         % (path, build_dir))
    return path


def ensure_models(models, cache, build_dir, log=print):
    """Exports and converts what is missing or stale; returns {model: path of M.sprig}."""
    os.makedirs(cache, exist_ok=True)
    convert = converter(build_dir)
    missing = [m for m in models
               if not all(os.path.exists(os.path.join(cache, m + suffix))
                          for suffix in (".onnx", "_input.npy", "_output.npy"))]
    if missing:
        log("exporting %s to %s" % (", ".join(missing), cache))
        subprocess.run([TORCH_PYTHON, os.path.join(ROOT, "models", "export_torchvision.py"),
                        "--out", cache, "--models", ",".join(missing)], check=True)
    paths = {}
    for m in models:
        onnx_path = os.path.join(cache, m + ".onnx")
        sprig_path = os.path.join(cache, m + ".sprig")
        newest_source = max(os.path.getmtime(onnx_path), os.path.getmtime(convert))
        if not os.path.exists(sprig_path) or os.path.getmtime(sprig_path) < newest_source:
            log("converting %s" % onnx_path)
            subprocess.run([convert, onnx_path, "-o", sprig_path], check=True,
                           stdout=subprocess.DEVNULL)
        paths[m] = sprig_path
    return paths


def parse_models(text):
    models = [m.strip() for m in text.split(",") if m.strip()]
    for m in models:
        if m not in MODELS:
            raise SystemExit("unknown model %r (choose from %s)" % (m, ", ".join(MODELS)))
    return models


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--cache", default=DEFAULT_CACHE)
    ap.add_argument("--build-dir", default=DEFAULT_BUILD)
    args = ap.parse_args()
    for m, path in ensure_models(parse_models(args.models), args.cache, args.build_dir).items():
        print("%-20s %s" % (m, path))


if __name__ == "__main__":
    sys.exit(main())
