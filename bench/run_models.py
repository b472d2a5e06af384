#!/usr/bin/env python3
"""Model benchmark: Sprig (XNNPACK path, own kernels) vs raw XNNPACK vs PyTorch, interleaved.

For each model and thread count, the engines are opened once and measured in rounds; each round
runs every engine (in a rotated order) for --iters inferences, so drift on the machine hits all
engines alike. Engines:
  sprig-cpu       Sprig session, backends "cpu,reference" (XNNPACK + our Winograd: the default)
  sprig-xnnpack   Sprig session, backends "cpu-xnnpack,reference" (XNNPACK wherever it runs)
  sprig-own       Sprig session, backends "cpu-own,reference" (our kernels only)
  xnnpack-raw     the same network on XNNPACK's subgraph API, no Sprig (bench/xnnpack_network.h)
  pytorch         TorchScript, frozen + optimize_for_inference (bench/pytorch_bench.py)
Then, with a busy loop pinned to one core (--busy-core), Sprig's 2-thread latency against its
1-thread latency (target: at most 1.2x).

Before timing, every C++ engine runs the model's reference input once and its output is compared
with PyTorch's (max |err| / max |out|), so a wrong network cannot post a good time.

Writes bench/results/models.json and bench/results/models.md (see --out) and prints the table.
Usage (see bench/README.md):
  /usr/bin/python3 bench/run_models.py [--quick] [--models a,b] [--threads 1,2] [--rounds R]
      [--iters K] [--busy-core C|-1] [--busy-models a,b] [--build-dir DIR] [--cache DIR]
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_models  # noqa: E402

ROOT = export_models.ROOT
SPRIG_ENGINES = {"sprig-cpu": "cpu,reference", "sprig-xnnpack": "cpu-xnnpack,reference",
                 "sprig-own": "cpu-own,reference"}
CPP_ENGINES = dict(SPRIG_ENGINES, **{"xnnpack-raw": "xnnpack"})
ENGINES = list(CPP_ENGINES) + ["pytorch"]


def log(*args):
    print(*args, file=sys.stderr, flush=True)


class CppWorker:
    """sprig_model_bench --serve: every C++ engine of one model in one process."""

    def __init__(self, build_dir):
        exe = os.path.join(build_dir, "bench", "sprig_model_bench")
        if not os.path.exists(exe):
            raise SystemExit("%s not found: build the sprig_model_bench target" % exe)
        self.proc = subprocess.Popen([exe, "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)

    def call(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline().strip()
        if not reply:
            raise RuntimeError("sprig_model_bench exited (on %r)" % line)
        if reply.startswith("error "):
            raise RuntimeError(reply[6:])
        return reply[3:] if reply.startswith("ok ") else ""

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait()


class TorchWorker:
    def __init__(self):
        self.proc = subprocess.Popen(
            [export_models.TORCH_PYTHON, os.path.join(ROOT, "bench", "pytorch_bench.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def call(self, **req):
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("pytorch_bench.py exited")
        reply = json.loads(line)
        if not reply.get("ok"):
            raise RuntimeError(reply.get("error"))
        return reply

    def close(self):
        try:
            self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait()


def rel_err(got, want):
    return float(np.abs(got - want).max() / np.abs(want).max())


def summarize(ms, macs):
    ms = sorted(ms)
    q = lambda p: ms[min(len(ms) - 1, int(p * len(ms)))]  # noqa: E731
    med = statistics.median(ms)
    return {"median_ms": med, "p10_ms": q(0.1), "p90_ms": q(0.9), "n": len(ms),
            "gflops": 2.0 * macs / (med * 1e6)}


class Session:
    """The engines of one model at one setting, measured in interleaved rounds."""

    def __init__(self, args, model, sprig_path, cpp, torch_worker):
        self.args, self.model, self.path = args, model, sprig_path
        self.cpp, self.torch = cpp, torch_worker
        self.engines = {}  # name -> {"kind": "cpp"|"torch", "id": ..., info...}
        self.errors = {}
        self.macs = 0
        self.reference = os.path.join(args.cache, model + "_output.npy")
        self.reference_input = os.path.join(args.cache, model + "_input.npy")

    def open_cpp(self, name, engine, threads):
        eid = "%s@%d" % (name, threads)
        try:
            info = dict(kv.split("=", 1) for kv in self.cpp.call(
                "open %s %s %d %s" % (eid, engine, threads, self.path)).split())
            self.macs = int(info["macs"])
            # Correctness first: the reference input against PyTorch's output.
            out = os.path.join(self.args.scratch, "%s_%s.npy" % (self.model, eid))
            self.cpp.call("input %s %s" % (eid, self.reference_input))
            self.cpp.call("run %s 1" % eid)
            self.cpp.call("output %s %s" % (eid, out))
            err = rel_err(np.load(out), np.load(self.reference))
            self.engines[eid] = {"kind": "cpp", "name": name, "threads": threads,
                                 "backends": info.get("backends", ""), "max_rel_err": err}
        except RuntimeError as e:
            self.errors[eid] = str(e)
            log("  %s: %s" % (eid, e))
            try:
                self.cpp.call("close %s" % eid)
            except RuntimeError:
                pass  # it never opened

    def open_torch(self, threads):
        eid = "pytorch@%d" % threads
        try:
            info = self.torch.call(cmd="load", model=self.model, threads=threads)
            self.engines[eid] = {"kind": "torch", "name": "pytorch", "threads": threads,
                                 "backends": "torch " + info["torch"],
                                 "max_rel_err_vs_eager": info["max_rel_err_vs_eager"]}
        except RuntimeError as e:
            self.errors[eid] = str(e)
            log("  %s: %s" % (eid, e))

    def run(self, eid, n):
        if self.engines[eid]["kind"] == "torch":
            return self.torch.call(cmd="run", n=n)["ms"]
        return [float(t) for t in self.cpp.call("run %s %d" % (eid, n)).split()]

    def measure(self):
        ids = list(self.engines)
        times = {eid: [] for eid in ids}
        for eid in ids:
            self.run(eid, self.args.warmup)
        for r in range(self.args.rounds):
            order = ids[r % len(ids):] + ids[:r % len(ids)] if ids else []
            for eid in order:
                # Let the previous engine's threads go idle: XNNPACK's pthreadpool and PyTorch's
                # OpenMP workers spin for a while after a call and would steal the next engine's
                # cores.
                time.sleep(self.args.settle)
                times[eid] += self.run(eid, self.args.iters)
        for eid in ids:
            self.engines[eid].update(summarize(times[eid], self.macs))
        return self.engines

    def close(self):
        for eid, e in self.engines.items():
            if e["kind"] == "cpp":
                self.cpp.call("close %s" % eid)


def machine_info(build_dir):
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    peak = {}
    exe = os.path.join(build_dir, "bench", "sprig_fma_peak")
    for t in (1, 2):
        out = subprocess.run([exe, "--threads", str(t), "--seconds", "1"], check=True,
                             capture_output=True, text=True).stdout
        peak[t] = json.loads(out)
    return {"cpu": cpu, "cores": os.cpu_count(), "system": platform.platform(),
            "fma_peak": {str(t): p for t, p in peak.items()},
            "peak_gflops_per_core": peak[1]["gflops"]}


def bench_models(args, paths, peak_per_core):
    results = {}
    for model in args.models:
        log("== %s" % model)
        results[model] = {"threads": {}, "errors": {}}
        cpp, torch_worker = CppWorker(args.build_dir), TorchWorker()
        try:
            for threads in args.threads:
                s = Session(args, model, paths[model], cpp, torch_worker)
                for name, engine in CPP_ENGINES.items():
                    s.open_cpp(name, engine, threads)
                s.open_torch(threads)
                engines = s.measure()
                s.close()
                results[model]["macs"] = s.macs
                results[model]["errors"].update(s.errors)
                row = {}
                for e in engines.values():
                    if peak_per_core:
                        e["pct_of_peak"] = 100.0 * e["gflops"] / (peak_per_core * threads)
                    row[e["name"]] = e
                    log("  %-14s %d thr: median %9.3f ms  %7.2f GFLOP/s  (%s)" % (
                        e["name"], threads, e["median_ms"], e["gflops"], e["backends"]))
                results[model]["threads"][str(threads)] = row
        finally:
            cpp.close()
            torch_worker.close()
        add_ratios(results[model])
    return results


def ratio(a, b):
    return a / b if a and b else None


def add_ratios(res):
    for t, row in res["threads"].items():
        med = {name: e["median_ms"] for name, e in row.items()}
        sprig = [med[n] for n in SPRIG_ENGINES if n in med]
        row_ratios = {
            "sprig_xnnpack_over_raw_xnnpack": ratio(med.get("sprig-xnnpack"), med.get("xnnpack-raw")),
            "sprig_best_over_pytorch": ratio(min(sprig) if sprig else None, med.get("pytorch")),
            "own_over_sprig_xnnpack": ratio(med.get("sprig-own"), med.get("sprig-xnnpack")),
            "own_over_raw_xnnpack": ratio(med.get("sprig-own"), med.get("xnnpack-raw")),
        }
        res.setdefault("ratios", {})[t] = row_ratios
    if "1" in res["threads"] and "2" in res["threads"]:
        one, two = res["threads"]["1"], res["threads"]["2"]
        res["speedup_2_threads"] = {n: ratio(one[n]["median_ms"], two[n]["median_ms"])
                                    for n in one if n in two}


def degradation(args, paths):
    """Sprig's 2-thread vs 1-thread latency with a busy loop pinned to one core."""
    busy = subprocess.Popen(["taskset", "-c", str(args.busy_core), "sh", "-c",
                             "while :; do :; done"])
    results = {}
    try:
        for model in args.busy_models:
            log("== %s, core %d busy" % (model, args.busy_core))
            cpp = CppWorker(args.build_dir)
            try:
                s = Session(args, model, paths[model], cpp, None)
                engines = {"sprig-cpu": SPRIG_ENGINES["sprig-cpu"], "xnnpack-raw": "xnnpack"}
                for threads in (1, 2):
                    for name, engine in engines.items():
                        s.open_cpp(name, engine, threads)
                measured = s.measure()
                s.close()
            finally:
                cpp.close()
            res = {}
            for name in engines:
                one, two = measured.get(name + "@1"), measured.get(name + "@2")
                if not one or not two:
                    continue
                r = two["median_ms"] / one["median_ms"]
                res[name] = {"median_ms_1_thread": one["median_ms"],
                             "median_ms_2_threads": two["median_ms"],
                             "two_over_one": r, "target_met": r <= 1.2}
                log("  %-14s 1 thr %9.3f ms, 2 thr %9.3f ms: %.2fx" % (
                    name, one["median_ms"], two["median_ms"], r))
            results[model] = res
    finally:
        busy.kill()
        busy.wait()
    return results


def fmt(x, spec="%.2f"):
    return spec % x if isinstance(x, (int, float)) else "n/a"


def markdown(report):
    peak = report["machine"]["peak_gflops_per_core"]
    lines = ["# Model benchmark", "",
             "%s, %s cores; FMA peak %s GFLOP/s per core (sprig_fma_peak). %s; batch 1, 224x224; "
             "%d rounds x %d iterations per engine, interleaved; medians in ms." % (
                 report["machine"]["cpu"], report["machine"]["cores"], fmt(peak, "%.1f"),
                 report["date"], report["config"]["rounds"], report["config"]["iters"]), "",
             "| model | thr | Sprig-cpu | Sprig-XNNPACK | Sprig-own | raw XNNPACK | PyTorch | "
             "Sprig-XNN / raw XNN | Sprig best / PyTorch | own / Sprig-XNN | best Sprig GFLOP/s "
             "(% peak) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for model, res in report["models"].items():
        for t, row in res["threads"].items():
            med = lambda n: row.get(n, {}).get("median_ms")  # noqa: E731
            r = res.get("ratios", {}).get(t, {})
            sprig = [row[n] for n in SPRIG_ENGINES if n in row]
            best = min(sprig, key=lambda e: e["median_ms"]) if sprig else {}
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s (%s%%) |" % (
                model, t, fmt(med("sprig-cpu"), "%.3f"), fmt(med("sprig-xnnpack"), "%.3f"),
                fmt(med("sprig-own"), "%.3f"),
                fmt(med("xnnpack-raw"), "%.3f"), fmt(med("pytorch"), "%.3f"),
                fmt(r.get("sprig_xnnpack_over_raw_xnnpack")), fmt(r.get("sprig_best_over_pytorch")),
                fmt(r.get("own_over_sprig_xnnpack")), fmt(best.get("gflops"), "%.1f"),
                fmt(best.get("pct_of_peak"), "%.0f")))
    lines += ["", "2-thread speedup (1-thread median / 2-thread median):", "",
              "| model | " + " | ".join(ENGINES) + " |", "|---|" + "---|" * len(ENGINES)]
    for model, res in report["models"].items():
        sp = res.get("speedup_2_threads", {})
        lines.append("| %s | %s |" % (model, " | ".join(fmt(sp.get(e)) for e in ENGINES)))
    lines += ["", "Output check (max |err| / max |out| against PyTorch's eager output, reference "
              "input):", "", "| model | " + " | ".join(CPP_ENGINES) + " |",
              "|---|" + "---|" * len(CPP_ENGINES)]
    for model, res in report["models"].items():
        row = next(iter(res["threads"].values()), {})
        lines.append("| %s | %s |" % (model, " | ".join(
            fmt(row.get(e, {}).get("max_rel_err"), "%.1e") for e in CPP_ENGINES)))
    errors = [(m, e, msg) for m, res in report["models"].items()
              for e, msg in res.get("errors", {}).items()]
    if errors:
        lines += ["", "Engines that did not run:", ""]
        lines += ["- %s %s: %s" % err for err in errors]
    if report.get("degradation"):
        lines += ["", "Graceful degradation: core %d busy (taskset), 2-thread median / 1-thread "
                  "median (target <= 1.2):" % report["config"]["busy_core"], "",
                  "| model | engine | 1 thread | 2 threads | ratio | target met |",
                  "|---|---|---|---|---|---|"]
        for model, res in report["degradation"].items():
            for name, d in res.items():
                lines.append("| %s | %s | %.3f | %.3f | %.2f | %s |" % (
                    model, name, d["median_ms_1_thread"], d["median_ms_2_threads"],
                    d["two_over_one"], "yes" if d["target_met"] else "no"))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(export_models.MODELS))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--iters", type=int, default=5, help="inferences per engine per round")
    ap.add_argument("--settle", type=float, default=0.2,
                    help="seconds of idle before each engine's turn in a round")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--quick", action="store_true",
                    help="2 rounds x 1 iteration, 1 warm-up: checks that everything runs")
    ap.add_argument("--busy-core", type=int, default=1,
                    help="core the busy loop is pinned to for the degradation run; -1: skip it")
    ap.add_argument("--busy-models", default="resnet50,mobilenet_v2")
    ap.add_argument("--build-dir", default=export_models.DEFAULT_BUILD)
    ap.add_argument("--cache", default=export_models.DEFAULT_CACHE)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    args = ap.parse_args()
    if args.quick:
        args.rounds, args.iters, args.warmup = 2, 1, 1
    args.models = export_models.parse_models(args.models)
    args.busy_models = export_models.parse_models(args.busy_models) if args.busy_core >= 0 else []
    args.threads = [int(t) for t in args.threads.split(",")]
    args.scratch = os.path.join(args.cache, "outputs")
    os.makedirs(args.scratch, exist_ok=True)

    paths = export_models.ensure_models(sorted(set(args.models + args.busy_models)), args.cache,
                                        args.build_dir, log=log)
    machine = machine_info(args.build_dir)
    log("%s: FMA peak %s GFLOP/s per core" % (machine["cpu"], machine["peak_gflops_per_core"]))
    report = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "machine": machine,
              "config": {"models": args.models, "threads": args.threads, "rounds": args.rounds,
                         "iters": args.iters, "warmup": args.warmup, "quick": args.quick,
                         "busy_core": args.busy_core, "engines": dict(CPP_ENGINES, pytorch="torch")},
              "models": bench_models(args, paths, machine["peak_gflops_per_core"])}
    if args.busy_models:
        report["degradation"] = degradation(args, paths)

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "models.json"), "w") as f:
        json.dump(report, f, indent=1)
    table = markdown(report)
    with open(os.path.join(args.out, "models.md"), "w") as f:
        f.write(table)
    print(table)
    log("wrote %s/models.json and models.md" % args.out)


if __name__ == "__main__":
    main()
