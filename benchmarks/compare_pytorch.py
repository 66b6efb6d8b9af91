#!/usr/bin/env python3
"""benchmarks/compare_pytorch.py: mantissa's train_bench against PyTorch on the same machine,
in the same run, as one table (and JSON).

  benchmarks/compare_pytorch.py --install              # from a fresh clone: packages, build, run
  benchmarks/compare_pytorch.py --suite readme         # the rows of benchmarks/README.md
  benchmarks/compare_pytorch.py --models cnn --policies all --batch 64 --threads 2 --reps 5
  benchmarks/compare_pytorch.py --accuracy --epochs 1  # Fashion-MNIST test accuracy, both engines

What it does, per row (model x policy x batch x threads):
1. PyTorch's best configuration, found by measuring (once per row; cached in the build folder,
   --retune to redo): the OpenBLAS core type (OPENBLAS_CORETYPE unset, Haswell, SkylakeX,
   Cooperlake: the kernels Debian's build carries; on a shared machine this changes PyTorch's
   float32 speed by up to 2x), the thread count (1 .. the row's threads; OpenBLAS's own pool
   set to the same), and channels-last for the CNNs. Each core type is a fresh process (the
   library reads the variable when it loads).
2. Interleaved repetitions: mantissa, PyTorch, mantissa, PyTorch, ... (--reps, at least 5
   each), every one a fresh process, so drift on a shared machine hits both alike.
3. One table: images/s of each (median and spread = (max - min) / median over the
   repetitions) and the ratio of the medians. mixed_bfloat16 is compared with PyTorch's
   bfloat16 autocast; mixed_float16 with PyTorch's float16 autocast where PyTorch has it on the
   CPU (1.13 does not: n/a; the note under the table gives mantissa's mixed_float16 / float32).
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKER = os.path.join(ROOT, "benchmarks", "pytorch_worker.py")
CORETYPES = ["", "Haswell", "SkylakeX", "Cooperlake"]  # "": OpenBLAS detects the CPU itself
POLICIES = ["float32", "mixed_bfloat16", "mixed_float16"]
MODELS = ["cnn", "mlp", "deep_cnn"]
FASHION = "/usr/share/datasets/fashion-mnist"
# Warm-up and timed steps per run unless --warmup / --steps say otherwise: about a second of
# steps per run on a quiet 2-core machine, whatever the model's speed.
STEPS = {"cnn": (5, 20), "mlp": (20, 100), "deep_cnn": (2, 8)}
# --suite readme: the table of benchmarks/README.md (model, policies, batch, threads).
SUITES = {"readme": [("cnn", POLICIES, 64, 1), ("cnn", POLICIES, 64, 2),
                     ("mlp", ["float32", "mixed_bfloat16"], 64, 1),
                     ("mlp", ["float32", "mixed_bfloat16"], 64, 2),
                     ("deep_cnn", POLICIES, 64, 1), ("deep_cnn", ["float32", "mixed_bfloat16"], 64, 2)]}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def torch_python():
    """A Python that imports torch: this one, else Debian's (python3-torch installs there)."""
    for py in (sys.executable, "/usr/bin/python3"):
        if os.path.exists(py) and subprocess.run([py, "-c", "import torch"],
                                                 capture_output=True).returncode == 0:
            return py
    return None


def setup_packages():
    """The Debian packages cmake/setup.sh installs, read from it so the two stay one list."""
    text = open(os.path.join(ROOT, "cmake", "setup.sh")).read()
    m = re.search(r"packages=\(([^)]*)\)", text)
    if not m:
        sys.exit("compare_pytorch: could not read the package list of cmake/setup.sh")
    return m.group(1).split()


def prepare(args):
    """Packages (with --install), then a Release build of what the run needs (train_bench,
    and fashion_mnist for --accuracy) in args.build: a no-op when up to date."""
    if args.install:
        subprocess.run([os.path.join(ROOT, "cmake", "install_packages.sh"), *setup_packages(),
                        "python3-torch"], check=True)
    py = torch_python()
    if not py:
        sys.exit("compare_pytorch: PyTorch is not installed; run with --install (installs "
                 "Debian's python3-torch, about 1 GB with its dependencies) or "
                 "apt-get install python3-torch")
    targets = ["train_bench"] + (["fashion_mnist"] if args.accuracy else [])
    if not os.path.exists(os.path.join(args.build, "CMakeCache.txt")):
        log(f"compare_pytorch: configuring {args.build}")
        subprocess.run(["cmake", "-S", ROOT, "-B", args.build, "-DCMAKE_BUILD_TYPE=Release",
                        "-DMANTISSA_CUDA=OFF", "-DMANTISSA_TESTS=OFF", "-DMANTISSA_EXAMPLES=ON",
                        "-DMANTISSA_BENCHMARKS=ON"], check=True, stdout=subprocess.DEVNULL)
    log(f"compare_pytorch: building {' '.join(targets)} in {args.build} (-j2)")
    subprocess.run(["cmake", "--build", args.build, "-j2", "--target", *targets], check=True,
                   stdout=subprocess.DEVNULL)
    return py


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def steps(args, model):
    w, s = STEPS[model]
    return (w if args.warmup is None else args.warmup), (s if args.steps is None else args.steps)


def run_mantissa(args, model, policy, batch, threads):
    warmup, nsteps = steps(args, model)
    cmd = [os.path.join(args.build, "benchmarks", "train_bench"), "--json", "--model", model,
           "--policy", policy, "--batch", str(batch), "--threads", str(threads),
           "--warmup", str(warmup), "--steps", str(nsteps)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"compare_pytorch: {' '.join(cmd)} failed: {out.stderr.strip()}")
    return json_lines(out.stdout)[0]


def run_pytorch(py, cfg, coretype, mode="speed"):
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    out = subprocess.run([py, WORKER, mode, json.dumps(cfg)], capture_output=True, text=True,
                         env=env)
    if out.returncode != 0:
        sys.exit(f"compare_pytorch: the PyTorch worker failed: {out.stderr.strip()[-2000:]}")
    return json_lines(out.stdout)


def tune(args, py, model, policy, batch, threads, cache):
    """PyTorch's fastest (core type, threads, channels-last) for this row, by measurement."""
    key = f"{model}/{policy}/{batch}/{threads}"
    if key in cache and not args.retune:
        return cache[key]
    variants = [{"threads": t, "channels_last": cl} for t in range(1, threads + 1)
                for cl in ([False, True] if model != "mlp" else [False])]
    warmup, nsteps = steps(args, model)
    cfg = {"model": model, "policy": policy, "batch": batch, "seed": 1,
           "warmup": max(1, warmup // 2), "steps": max(4, nsteps // 2),
           "variants": variants}
    trials = []
    for ct in CORETYPES:
        for r in run_pytorch(py, cfg, ct):
            if "error" in r:
                cache[key] = {"error": r["error"]}
                return cache[key]
            trials.append(dict(r, coretype=ct))
    for t in trials:
        log(f"  tune {key}: OPENBLAS_CORETYPE={t['coretype'] or '(unset)':10s} "
            f"threads {t['threads']} channels_last {t['channels_last']!s:5s} ({t['blas']}): "
            f"{t['images_per_s']:8.0f} img/s")
    best = max(trials, key=lambda t: t["images_per_s"])
    cache[key] = {"coretype": best["coretype"], "threads": best["threads"],
                  "channels_last": best["channels_last"], "blas": best["blas"],
                  "trials": [{k: t[k] for k in ("coretype", "threads", "channels_last",
                                                 "images_per_s")} for t in trials]}
    return cache[key]


def spread(v):
    return (max(v) - min(v)) / statistics.median(v) if v else 0.0


def speed(args, py):
    rows = SUITES[args.suite] if args.suite else [
        (m, ps, b, t) for m in args.models for ps in [args.policies] for b in args.batch
        for t in args.threads]
    configs = [(m, p, b, t) for (m, ps, b, t) in rows for p in ps]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    cache_path = os.path.join(args.build, "pytorch_tuning.json")
    cache = json.load(open(cache_path)) if os.path.exists(cache_path) else {}
    log("compare_pytorch: finding PyTorch's best configuration per row")
    best = {c: tune(args, py, *c, cache) for c in configs}
    json.dump(cache, open(cache_path, "w"), indent=1)
    results = {c: {"mantissa": [], "pytorch": []} for c in configs}
    for rep in range(args.reps):
        log(f"compare_pytorch: repetition {rep + 1} of {args.reps}")
        for c in configs:  # mantissa, PyTorch, mantissa, PyTorch, ...
            results[c]["mantissa"].append(run_mantissa(args, *c))
            b = best[c]
            if "error" not in b:
                warmup, nsteps = steps(args, c[0])
                cfg = {"model": c[0], "policy": c[1], "batch": c[2], "seed": 1,
                       "warmup": warmup, "steps": nsteps,
                       "variants": [{"threads": b["threads"], "channels_last": b["channels_last"]}]}
                r = run_pytorch(py, cfg, b["coretype"])[0]
                if r["parameters"] != results[c]["mantissa"][-1]["parameters"]:
                    sys.exit(f"compare_pytorch: {c[0]} has {r['parameters']} parameters in "
                             f"PyTorch but {results[c]['mantissa'][-1]['parameters']} in "
                             "mantissa: pytorch_worker.py no longer builds the same model as "
                             "train_bench_models.hpp")
                results[c]["pytorch"].append(r)
    report(args, configs, best, results, started)


def report(args, configs, best, results, started):
    load = os.getloadavg()
    print(f"\nmantissa train_bench vs PyTorch, {started}, {platform.node()}, {cpu_name()}, "
          f"{os.cpu_count()} CPUs, load average now {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    print(f"{args.reps} interleaved repetitions (warm-up + timed steps per run: "
          + ", ".join(f"{m} {steps(args, m)[0]} + {steps(args, m)[1]}" for m in MODELS)
          + "); images/s: median (spread = (max - min) / median)\n")
    print("| model | policy | batch | threads | mantissa img/s | PyTorch img/s | ratio | "
          "PyTorch config |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    out = []
    f32 = {}
    for c in configs:
        m = [r["images_per_s"] for r in results[c]["mantissa"]]
        p = [r["images_per_s"] for r in results[c]["pytorch"]]
        b = best[c]
        mm = statistics.median(m)
        if c[1] == "float32":
            f32[(c[0], c[2], c[3])] = mm
        row = {"model": c[0], "policy": c[1], "batch": c[2], "threads": c[3],
               "mantissa_ips": m, "mantissa_median": mm, "pytorch_ips": p,
               "pytorch_config": {k: v for k, v in b.items() if k != "trials"}}
        if p:
            pm = statistics.median(p)
            # Also the median of the per-repetition ratios: each pair ran back to back.
            row.update(pytorch_median=pm, ratio=mm / pm,
                       paired_ratio_median=statistics.median(a / b for a, b in zip(m, p)))
            layout = "" if c[0] == "mlp" else "NHWC, " if b["channels_last"] else "NCHW, "
            cfgtxt = (f"{b['threads']} thr, {layout}"
                      + f"{b['blas']}" + (f" (CORETYPE={b['coretype']})" if b["coretype"] else ""))
            print(f"| {c[0]} | {c[1]} | {c[2]} | {c[3]} | {mm:,.0f} (±{spread(m):.0%}) | "
                  f"{pm:,.0f} (±{spread(p):.0%}) | **{mm / pm:.2f}** | {cfgtxt} |")
        else:
            print(f"| {c[0]} | {c[1]} | {c[2]} | {c[3]} | {mm:,.0f} (±{spread(m):.0%}) | n/a | "
                  f"n/a | {b['error']} |")
        out.append(row)
    for c in configs:
        if c[1] == "mixed_float16" and (c[0], c[2], c[3]) in f32:
            r = statistics.median([x["images_per_s"] for x in results[c]["mantissa"]])
            print(f"\nmantissa {c[0]} b{c[2]} t{c[3]}: mixed_float16 / float32 = "
                  f"{r / f32[(c[0], c[2], c[3])]:.2f}")
    if args.json:
        json.dump({"started": started, "cpu": cpu_name(), "reps": args.reps, "rows": out},
                  open(args.json, "w"), indent=1)
        log(f"compare_pytorch: JSON in {args.json}")


def cpu_name():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def accuracy(args, py):
    """The reference CNN on Fashion-MNIST, --epochs passes, both engines, per policy."""
    print("| policy | epochs | mantissa test accuracy | PyTorch test accuracy | mantissa s (whole process) | PyTorch s (training loop) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for policy in args.policies:
        t0 = time.perf_counter()
        cmd = [os.path.join(args.build, "examples", "fashion_mnist"), "--precision", policy,
               "--epochs", str(args.epochs), "--batch-size", "64",
               "--threads", str(args.threads[0]), "--data", FASHION, "--seed", "1"]
        if args.limit:
            cmd += ["--limit", str(args.limit)]
        out = subprocess.run(cmd, capture_output=True, text=True)
        ms = time.perf_counter() - t0
        m = re.search(r"test accuracy: ([0-9.]+)", out.stdout)
        if not m:
            sys.exit(f"compare_pytorch: {' '.join(cmd)} failed: {out.stderr.strip()}")
        cfg = {"policy": policy, "epochs": args.epochs, "batch": 64, "threads": args.threads[0],
               "seed": 1, "data": FASHION, "limit": args.limit}
        r = run_pytorch(py, cfg, "", "accuracy")[0]
        pacc = f"{r['test_accuracy']:.4f}" if "error" not in r else "n/a (no autocast)"
        ps = f"{r['train_s']:.0f}" if "error" not in r else "n/a"
        print(f"| {policy} | {args.epochs} | {float(m.group(1)):.4f} | {pacc} | {ms:.0f} | {ps} |",
              flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--install", action="store_true",
                    help="install missing Debian packages (python3-torch included) first")
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--suite", choices=sorted(SUITES), help="a preset list of rows")
    ap.add_argument("--models", default="cnn")
    ap.add_argument("--policies", default="float32")
    ap.add_argument("--batch", default="64")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, help="warm-up steps per run (default: per model)")
    ap.add_argument("--steps", type=int, help="timed steps per run (default: per model)")
    ap.add_argument("--retune", action="store_true", help="search PyTorch's best configuration again")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--accuracy", action="store_true", help="Fashion-MNIST accuracy instead of speed")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="--accuracy: train on the first N images")
    args = ap.parse_args()
    split = lambda s, allowed: allowed if s == "all" else s.split(",")
    args.models, args.policies = split(args.models, MODELS), split(args.policies, POLICIES)
    for v, allowed in ((args.models, MODELS), (args.policies, POLICIES)):
        for x in v:
            if x not in allowed:
                sys.exit(f"compare_pytorch: '{x}' is not one of {', '.join(allowed)}")
    args.batch = [int(x) for x in args.batch.split(",")]
    args.threads = [int(x) for x in args.threads.split(",")]
    if args.reps < 5 and not args.accuracy:
        log("compare_pytorch: note: fewer than 5 repetitions; the issue asks for at least 5")
    if args.install and not args.suite and not args.accuracy and sys.argv[1:] == ["--install"]:
        args.suite = "readme"  # the one command from a fresh clone
    py = prepare(args)
    (accuracy if args.accuracy else speed)(args, py)


if __name__ == "__main__":
    main()
