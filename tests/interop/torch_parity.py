#!/usr/bin/env python3
"""tests/interop/torch_parity.py: the PyTorch half of test_torch_parity.cpp.

  torch_parity.py DIR ARCH     (ARCH: cnn or cnn_bn)

Reads DIR/mantissa.safetensors (mantissa's export of the model: PyTorch names and layouts)
and DIR/data.safetensors (x: the NHWC input, y: labels, logits: mantissa's float32 logits for
x, and the SGD learning rate and step count in the metadata). Builds ARCH's nn.Sequential,
loads the weights with load_state_dict(strict=True), checks its logits against mantissa's
(relative to the largest logit, 1e-5), trains the given SGD steps on (x, y), and writes
DIR/trained.safetensors (the state_dict) and DIR/torch.safetensors (logits before and after).
Exit 0 when the logits agree, 1 when they do not, 2 on a usage error.

The safetensors format is parsed here with json + struct (Debian has no python3-safetensors):
an 8-byte little-endian header length, the JSON header, then the raw little-endian data.
"""
import json
import struct
import sys

import torch
from torch import nn

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
          "I32": torch.int32, "I64": torch.int64, "U8": torch.uint8}
NAMES = {v: k for k, v in DTYPES.items()}
TOLERANCE = 1e-5


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        dtype = DTYPES[e["dtype"]]
        raw = bytearray(data[base + begin:base + end])
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(e["shape"]).clone()
    return out, meta


def write_safetensors(path, tensors, meta=None):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        b = t.numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if meta:
        header["__metadata__"] = meta
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def build(arch):
    # mantissa's BatchNorm defaults are Keras's: momentum 0.99 (PyTorch's 0.01), epsilon 1e-3.
    def bn2(c):
        return [nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)] if arch == "cnn_bn" else []

    def bn1(c):
        return [nn.BatchNorm1d(c, eps=1e-3, momentum=0.01)] if arch == "cnn_bn" else []

    # Conv2D(k, same) with k = 3, stride 1: padding 1 on every side, as TensorFlow's rule.
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), *bn2(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), *bn2(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 64, 128), *bn1(128), nn.ReLU(), nn.Linear(128, 10))


def relative(a, b):
    return float((a - b).abs().max() / b.abs().max())


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("cnn", "cnn_bn"):
        print(__doc__)
        return 2
    folder, arch = sys.argv[1], sys.argv[2]
    torch.manual_seed(0)
    model = build(arch)
    weights, _ = read_safetensors(folder + "/mantissa.safetensors")
    model.load_state_dict(weights, strict=True)
    data, meta = read_safetensors(folder + "/data.safetensors")
    x = data["x"].permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW
    y = data["y"].long()
    model.eval()
    with torch.no_grad():
        before = model(x)
    err = relative(before, data["logits"])
    print(f"torch_parity {arch}: torch {torch.__version__}, logits vs mantissa's: max relative "
          f"error {err:.3g} (tolerance {TOLERANCE:g})")
    ok = err <= TOLERANCE
    lr, steps = float(meta["lr"]), int(meta["steps"])
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    model.train()
    for step in range(steps):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        print(f"torch_parity {arch}: SGD step {step + 1} loss {loss.item():.6f}")
    model.eval()
    with torch.no_grad():
        after = model(x)
    write_safetensors(folder + "/trained.safetensors", model.state_dict(), {"format": "pt"})
    write_safetensors(folder + "/torch.safetensors",
                      {"logits_before": before, "logits_after": after})
    if not ok:
        print(f"torch_parity {arch}: FAIL: the logits differ beyond the tolerance")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
