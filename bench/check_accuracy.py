#!/usr/bin/env python3
"""Accuracy of the benchmark models: each .sprig against PyTorch's output for the same input.

For every model, runs the converted .sprig on its reference input (M_input.npy) with each engine
and prints max |err| / max |out| against PyTorch's eager output (M_output.npy). The reference
backend must be within --tol (1e-4, f32); the other engines (the CPU backends, whose kernels may
still be placeholders, and the raw XNNPACK network) are reported. Exit status 1 when the
reference backend misses the tolerance or an engine fails to run.

Usage: /usr/bin/python3 bench/check_accuracy.py [--models a,b] [--engines reference,xnnpack,...]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_models  # noqa: E402
from run_models import CppWorker, rel_err  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(export_models.MODELS))
    ap.add_argument("--engines", default="reference;xnnpack;cpu-own,reference;cpu,reference",
                    help="';'-separated engines: a Sprig backend list or xnnpack (the raw XNNPACK network)")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--build-dir", default=export_models.DEFAULT_BUILD)
    ap.add_argument("--cache", default=export_models.DEFAULT_CACHE)
    args = ap.parse_args()
    models = export_models.parse_models(args.models)
    engines = [e for e in args.engines.split(";") if e]
    paths = export_models.ensure_models(models, args.cache, args.build_dir)
    scratch = os.path.join(args.cache, "outputs")
    os.makedirs(scratch, exist_ok=True)

    ok = True
    print("%-20s " % "model" + " ".join("%-18s" % e for e in engines))
    for m in models:
        want = np.load(os.path.join(args.cache, m + "_output.npy"))
        cpp = CppWorker(args.build_dir)
        cells = []
        try:
            for i, engine in enumerate(engines):
                out = os.path.join(scratch, "%s_check%d.npy" % (m, i))
                try:
                    cpp.call("open e%d %s 1 %s" % (i, engine, paths[m]))
                    cpp.call("input e%d %s" % (i, os.path.join(args.cache, m + "_input.npy")))
                    cpp.call("run e%d 1" % i)
                    cpp.call("output e%d %s" % (i, out))
                    cpp.call("close e%d" % i)
                    err = rel_err(np.load(out), want)
                    cells.append("%.2e" % err)
                    if engine == "reference" and not err <= args.tol:
                        ok = False
                        cells[-1] += " FAIL"
                except RuntimeError as e:
                    ok = False
                    cells.append("error")
                    print("%s %s: %s" % (m, engine, e), file=sys.stderr)
        finally:
            cpp.close()
        print("%-20s " % m + " ".join("%-18s" % c for c in cells), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
