"""benchmarks/pytorch_worker.py: the PyTorch side of compare_pytorch.py, run by it in a
subprocess per measurement (the BLAS core type is read from the environment when the library
loads, so each BLAS configuration needs a fresh process).

The three models of train_bench (train_bench_models.hpp), layer for layer: the same shapes,
parameter counts, initialisation (Glorot-uniform weights, zero biases, as Keras and mantissa),
Adam (lr 1e-3), softmax cross-entropy, BatchNorm with Keras's momentum 0.99 and epsilon 1e-3.

  python3 pytorch_worker.py speed JSON     JSON: {"model", "policy", "batch", "steps", "warmup",
                                            "seed", "variants": [{"threads", "channels_last"}]}
  python3 pytorch_worker.py accuracy JSON  JSON: {"policy", "epochs", "batch", "threads",
                                            "seed", "data", "limit"}
Prints one JSON object per line.
"""
import ctypes
import gzip
import json
import math
import os
import sys
import time
import warnings

import torch
import torch.nn as nn

AUTOCAST = {"float32": None, "mixed_bfloat16": torch.bfloat16, "mixed_float16": torch.float16}


def make_model(name):
    if name == "mlp":
        m = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10))
        shape = (784,)
    elif name == "deep_cnn":
        layers, c = [], 3
        for f in (32, 64, 128):
            for _ in range(2):
                layers += [nn.Conv2d(c, f, 3, padding=1, bias=False),
                           nn.BatchNorm2d(f, eps=1e-3, momentum=0.01), nn.ReLU()]
                c = f
            layers.append(nn.MaxPool2d(2))
        m = nn.Sequential(*layers, nn.Flatten(), nn.Linear(4 * 4 * 128, 384), nn.ReLU(),
                          nn.Linear(384, 10))
        shape = (3, 32, 32)
    else:
        m = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
        shape = (1, 28, 28)
    for mod in m.modules():
        if isinstance(mod, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(mod.weight)  # fans as Keras: KH*KW*C in, KH*KW*F out
            if mod.bias is not None:
                nn.init.zeros_(mod.bias)
    return m, shape


def blas_info(threads):
    """The loaded BLAS library: sets its thread count to `threads` (OpenBLAS keeps a pool of
    its own, sized to the cores, outside torch.set_num_threads) and names its core type."""
    path = None
    with open("/proc/self/maps") as maps:
        for line in maps:
            if "blas" in line and ".so" in line:
                path = line.split()[-1]
                break
    if not path:
        return "none"
    lib = ctypes.CDLL(path)
    if not hasattr(lib, "openblas_get_corename"):
        return os.path.basename(path)
    lib.openblas_set_num_threads(threads)
    lib.openblas_get_corename.restype = ctypes.c_char_p
    return "OpenBLAS " + lib.openblas_get_corename().decode()


def autocast_supported(policy):
    """Whether CPU autocast runs this policy's dtype. PyTorch 1.13 refuses float16 on the CPU
    (a RuntimeError); later versions that merely warn and run float32 are caught too."""
    dtype = AUTOCAST[policy]
    if dtype is None:
        return True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with torch.autocast("cpu", dtype=dtype):
                y = nn.Linear(4, 4)(torch.ones(2, 4))
        except RuntimeError:  # 1.13: "AutocastCPU only support Bfloat16"
            return False
    return y.dtype == dtype and not any("not supported" in str(w.message) for w in caught)


def speed(cfg):
    policy, batch = cfg["policy"], cfg["batch"]
    if not autocast_supported(policy):
        print(json.dumps({"engine": "pytorch", "policy": policy, "error":
                          f"torch {torch.__version__} has no {AUTOCAST[policy]} autocast on the CPU"}))
        return
    dtype = AUTOCAST[policy]
    for v in cfg["variants"]:
        torch.set_num_threads(v["threads"])
        core = blas_info(v["threads"])
        torch.manual_seed(cfg["seed"])
        model, shape = make_model(cfg["model"])
        x = torch.randn(batch, *shape)
        y = torch.arange(batch) % 10
        if v["channels_last"]:
            model = model.to(memory_format=torch.channels_last)
            x = x.contiguous(memory_format=torch.channels_last)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        times = []
        for s in range(cfg["warmup"] + cfg["steps"]):
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            with torch.autocast("cpu", dtype=dtype or torch.bfloat16, enabled=dtype is not None):
                loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            if s >= cfg["warmup"]:
                times.append(time.perf_counter() - t0)
        st = sorted(times)
        print(json.dumps({
            "engine": "pytorch", "torch": torch.__version__, "model": cfg["model"],
            "policy": policy, "batch": batch, "threads": v["threads"],
            "channels_last": v["channels_last"], "blas": core,
            "coretype_env": os.environ.get("OPENBLAS_CORETYPE", ""),
            "images_per_s": batch * len(times) / sum(times),
            "step_ms_p50": 1e3 * st[len(st) // 2],
            "step_ms_p95": 1e3 * st[min(len(st) - 1, int(0.95 * (len(st) - 1) + 0.5))],
            "parameters": sum(p.numel() for p in model.parameters())}), flush=True)


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def accuracy(cfg):
    """The reference CNN on Fashion-MNIST as examples/fashion_mnist.cpp trains it: pixels / 255,
    shuffled batches, Adam with cosine decay to zero over the run, the test set after the last
    epoch."""
    torch.set_num_threads(cfg["threads"])
    blas_info(cfg["threads"])
    torch.manual_seed(cfg["seed"])
    d, dtype = cfg["data"], AUTOCAST[cfg["policy"]]
    if not autocast_supported(cfg["policy"]):
        print(json.dumps({"engine": "pytorch", "policy": cfg["policy"], "error": "no autocast"}))
        return
    xtr = read_idx(f"{d}/train-images-idx3-ubyte.gz").float().div_(255).unsqueeze(1)
    ytr = read_idx(f"{d}/train-labels-idx1-ubyte.gz").long()
    xte = read_idx(f"{d}/t10k-images-idx3-ubyte.gz").float().div_(255).unsqueeze(1)
    yte = read_idx(f"{d}/t10k-labels-idx1-ubyte.gz").long()
    if cfg["limit"]:
        xtr, ytr = xtr[:cfg["limit"]], ytr[:cfg["limit"]]
    model, _ = make_model("cnn")
    b = cfg["batch"]
    batches = math.ceil(len(xtr) / b)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    total = cfg["epochs"] * batches
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 0.5 * (1 + math.cos(math.pi * t / total)))
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    for _ in range(cfg["epochs"]):
        model.train()
        order = torch.randperm(len(xtr))
        for i in range(batches):
            idx = order[i * b:(i + 1) * b]
            opt.zero_grad(set_to_none=True)
            with torch.autocast("cpu", dtype=dtype or torch.bfloat16, enabled=dtype is not None):
                loss = loss_fn(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            sched.step()
    train_s = time.perf_counter() - t0
    model.eval()
    correct = 0
    with torch.no_grad(), torch.autocast("cpu", dtype=dtype or torch.bfloat16, enabled=dtype is not None):
        for i in range(0, len(xte), 256):
            correct += (model(xte[i:i + 256]).argmax(1) == yte[i:i + 256]).sum().item()
    print(json.dumps({"engine": "pytorch", "policy": cfg["policy"], "epochs": cfg["epochs"],
                      "test_accuracy": correct / len(xte), "train_s": train_s}), flush=True)


if __name__ == "__main__":
    {"speed": speed, "accuracy": accuracy}[sys.argv[1]](json.loads(sys.argv[2]))
