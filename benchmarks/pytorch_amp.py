#!/usr/bin/env python3
"""benchmarks/pytorch_amp.py: the reference CNN trained by PyTorch on the GPU, as bench_cuda
trains it with mantissa: same layers, batch, Adam, softmax cross-entropy; per precision:
float32, float16 autocast + GradScaler (PyTorch's eager AMP), bfloat16 autocast. Channels-last
(NHWC, mantissa's layout). Each step ends with the GradScaler's found-inf check (a host read
under AMP, as mantissa's step-status read); every step is synchronised before its time is
taken. Prints a table and JSON lines ("json: {...}").

  python3 benchmarks/pytorch_amp.py [--batch 256] [--steps 50] [--warmup 10]
"""
import argparse
import json
import time

import torch
import torch.nn as nn


def model():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def bench(precision, batch, steps, warmup):
    torch.manual_seed(1)
    dev = torch.device("cuda")
    m = model().to(dev).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, 1, 28, 28, device=dev).to(memory_format=torch.channels_last)
    y = (torch.arange(batch, device=dev) % 10).long()
    dtype = {"float32": None, "float16": torch.float16, "bfloat16": torch.bfloat16}[precision]
    scaler = torch.amp.GradScaler("cuda", enabled=precision == "float16")

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=dtype or torch.float32, enabled=dtype is not None):
            loss = loss_fn(m(x), y)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()

    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    times.sort()
    ips = batch * steps / sum(times)
    peak = torch.cuda.max_memory_allocated() / 2**20
    return {"bench": "train_cnn_pytorch", "precision": precision, "batch": batch,
            "images_per_s": round(ips, 1), "p50_ms": round(1e3 * times[len(times) // 2], 4),
            "p95_ms": round(1e3 * times[int(0.95 * (len(times) - 1))], 4),
            "peak_mib": round(peak, 2), "torch": torch.__version__}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    a = ap.parse_args()
    if not torch.cuda.is_available():
        print("pytorch_amp: no CUDA device")
        return
    torch.backends.cudnn.benchmark = True
    print(f"{'PyTorch ' + torch.__version__:34s} {'images/s':>12s} {'p50 ms':>12s} {'p95 ms':>8s} {'peak MiB':>10s}")
    for p in ("float32", "float16", "bfloat16"):
        r = bench(p, a.batch, a.steps, a.warmup)
        print(f"{'train CNN b' + str(a.batch) + ' ' + p:34s} {r['images_per_s']:12.0f} "
              f"{r['p50_ms']:12.3f} {r['p95_ms']:8.3f} {r['peak_mib']:10.1f}")
        print("json: " + json.dumps(r))


if __name__ == "__main__":
    main()
