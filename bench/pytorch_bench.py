#!/usr/bin/env python3
"""PyTorch's side of the model benchmark: a persistent worker, driven by bench/run_models.py.

Runs the same torchvision network with the same random weights as the .sprig file
(models/export_torchvision.py's build()) in PyTorch's fastest CPU inference mode: TorchScript
(traced), torch.jit.freeze + torch.jit.optimize_for_inference, torch.set_num_threads(N), under
torch.inference_mode().

Protocol: one JSON object per line on stdin, one JSON reply per line on stdout.
  {"cmd": "load", "model": NAME, "threads": N, "input": "X.npy" (optional)}
      -> {"ok": true, "torch": VERSION, "max_rel_err_vs_eager": E}
  {"cmd": "run", "n": K}   -> {"ok": true, "ms": [...]}
  {"cmd": "quit"}
Errors: {"ok": false, "error": MESSAGE}. Must run under /usr/bin/python3 (Debian's torch).
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "models"))
import export_torchvision  # noqa: E402  (models/, for build())


def pattern_input(shape):
    """The default input of sprig_model_bench: ((j % 17) - 8) / 8 over the flat index."""
    n = int(np.prod(shape))
    return ((np.arange(n) % 17 - 8) / 8.0).astype(np.float32).reshape(shape)


class Worker:
    def __init__(self):
        self.module = None
        self.x = None

    def load(self, model, threads, input_path=None):
        torch.set_num_threads(int(threads))
        eager = export_torchvision.build(model)
        shape = (1, 3, 224, 224)
        x = np.load(input_path) if input_path else pattern_input(shape)
        self.x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        with torch.inference_mode():
            want = eager(self.x)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(eager, self.x)
            frozen = torch.jit.freeze(traced.eval())
            self.module = torch.jit.optimize_for_inference(frozen)
        with torch.inference_mode():
            for _ in range(2):  # the profiling executor specializes on the first calls
                got = self.module(self.x)
        err = float((got - want).abs().max() / want.abs().max())
        return {"ok": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                "max_rel_err_vs_eager": err}

    def run(self, n):
        ms = []
        with torch.inference_mode():
            for _ in range(int(n)):
                t0 = time.perf_counter()
                self.module(self.x)
                ms.append((time.perf_counter() - t0) * 1e3)
        return {"ok": True, "ms": ms}


def main():
    # optimize_for_inference's MobileNetV3 graph trips a harmless "output ... was resized"
    # deprecation warning inside torch on every call.
    warnings.filterwarnings("ignore", message="An output with one or more elements was resized")
    worker = Worker()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            cmd = req.get("cmd")
            if cmd == "quit":
                break
            if cmd == "load":
                reply = worker.load(req["model"], req.get("threads", 1), req.get("input"))
            elif cmd == "run":
                if worker.module is None:
                    raise RuntimeError("no model loaded")
                reply = worker.run(req.get("n", 1))
            else:
                raise RuntimeError("unknown command %r" % cmd)
        except Exception as e:  # reported to the driver, which carries on with other engines
            reply = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
