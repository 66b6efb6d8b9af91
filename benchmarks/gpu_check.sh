#!/usr/bin/env bash
# benchmarks/gpu_check.sh: the one-shot check of the CUDA backend on a machine with a GPU,
# from a build made elsewhere and carried across (no compiler needed here). At most about
# 8 minutes, each stage under its own timeout; ends with one table.
#
#   benchmarks/gpu_check.sh [BUILD_DIR] [DATA_DIR]
#     BUILD_DIR  tests/, benchmarks/ and examples/ of a build with MANTISSA_CUDA=ON for this
#                GPU's architecture (default build-gpu/carry, made by benchmarks/gpu_build.sh)
#     DATA_DIR   the four Fashion-MNIST .gz files (default BUILD_DIR/data, else Debian's)
#
# Stages: the CUDA test suites; compute-sanitizer memcheck and racecheck (where present);
# bench_cuda (half GEMM against cuBLAS, the reference CNN per policy: images/s, p50/p95,
# peak memory); PyTorch AMP side by side (where PyTorch has CUDA); the main job on the GPU
# (5 epochs, test accuracy, wall time). The emulation build runs it too (a smoke test of the
# script: benchmarks/gpu_build.sh --emulate).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$root/build-gpu/carry}" && pwd) || { echo "gpu_check: no build directory"; exit 2; }
data=${2:-$build/data}
[ -d "$data" ] || data=/usr/share/datasets/fashion-mnist
out=${GPU_CHECK_OUT:-${OUT:-$build/gpu_check}}
mkdir -p "$out"
quick=${GPU_CHECK_QUICK:-0}  # 1: tiny sizes (the emulation smoke test)
declare -a rows
row() { rows+=("$(printf '%-28s %-8s %s' "$1" "$2" "$3")"); }

# The CUDA libraries: the system's, or the Python wheels beside PyTorch (nvidia-*-cu13).
probe=$(ls "$build"/tests/test_cuda_device 2>/dev/null || true)
if [ -n "$probe" ] && ldd "$probe" | grep -q "not found"; then
  for d in $(python3 - <<'PY' 2>/dev/null
import glob, os, site
paths = site.getsitepackages() + [site.getusersitepackages()]
for p in paths:
    for lib in glob.glob(os.path.join(p, "nvidia", "*", "lib")):
        print(lib)
PY
  ); do LD_LIBRARY_PATH="$d:${LD_LIBRARY_PATH:-}"; done
  export LD_LIBRARY_PATH
fi

echo "== gpu_check: $(date -u +%FT%TZ), build $build"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null ||
  echo "(no nvidia-smi)"
[ -n "$probe" ] && ldd "$probe" | grep -E "cudart|cublas|cudnn" | sed 's/^/  /'

# ---- 1. the CUDA test suites ----
pass=0 fail=0 skip=0
for t in "$build"/tests/test_cuda_* "$build"/tests/test_nccl; do
  [ -f "$t" ] && [ -x "$t" ] || continue
  name=$(basename "$t")
  # test_nccl needs libnccl and Open MPI's libmpi on this machine: say so where they are absent.
  if missing=$(ldd "$t" | grep "not found"); then
    echo "-- $name not run: $(echo "$missing" | awk '{print $1}' | tr '\n' ' ')not found here"
    continue
  fi
  timeout 150 "$t" --gtest_brief=1 >"$out/$name.log" 2>&1
  rc=$?
  p=$(grep -oE '\[  PASSED  \] [0-9]+' "$out/$name.log" | grep -oE '[0-9]+$' || echo 0)
  s=$(grep -oE '\[  SKIPPED \] [0-9]+ test' "$out/$name.log" | grep -oE '[0-9]+' || echo 0)
  f=$(grep -oE '\[  FAILED  \] [0-9]+ test' "$out/$name.log" | grep -oE '[0-9]+' || echo 0)
  [ $rc -ne 0 ] && [ "$f" = 0 ] && f=1  # a crash or a timeout
  pass=$((pass + p)) skip=$((skip + s)) fail=$((fail + f))
  [ $rc -ne 0 ] && { echo "-- $name failed (exit $rc):"; tail -n 25 "$out/$name.log"; }
done
row "CUDA tests" "$([ $fail = 0 ] && echo ok || echo FAIL)" "$pass passed, $fail failed, $skip skipped"

# ---- 2. compute-sanitizer ----
if command -v compute-sanitizer >/dev/null; then
  for tool in memcheck racecheck; do
    timeout 100 compute-sanitizer --tool "$tool" --error-exitcode 9 \
      "$build/tests/test_cuda_layers" --gtest_brief=1 >"$out/sanitizer_$tool.log" 2>&1
    rc=$?
    summary=$(grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$out/sanitizer_$tool.log" | tail -n 1)
    row "compute-sanitizer $tool" "$([ $rc = 0 ] && echo ok || echo FAIL)" "${summary:-exit $rc}"
  done
  timeout 100 compute-sanitizer --tool memcheck --error-exitcode 9 \
    "$build/tests/test_cuda_training" --gtest_brief=1 \
    --gtest_filter='*Skipped*:*Reserved*' >"$out/sanitizer_training.log" 2>&1
  rc=$?
  row "memcheck (training)" "$([ $rc = 0 ] && echo ok || echo FAIL)" \
    "$(grep -E "ERROR SUMMARY" "$out/sanitizer_training.log" | tail -n 1)"
else
  row "compute-sanitizer" "absent" "not on this machine"
fi

# ---- 3. bench_cuda, and PyTorch AMP beside it ----
if [ "$quick" = 1 ]; then bargs=(--gemm 128 --batch 8 --steps 2 --warmup 1 --reps 1)
else bargs=(--gemm 8192 --batch 256 --steps 50 --warmup 10 --reps 5); fi
timeout 120 "$build/benchmarks/bench_cuda" "${bargs[@]}" >"$out/bench_cuda.log" 2>&1
rc=$?
cat "$out/bench_cuda.log"
row "bench_cuda" "$([ $rc = 0 ] && echo ok || echo FAIL)" "$(grep -c '^json:' "$out/bench_cuda.log") results"
if python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  timeout 120 python3 "$root/benchmarks/pytorch_amp.py" --batch "${bargs[3]}" \
    >"$out/pytorch_amp.log" 2>&1
  rc=$?
  cat "$out/pytorch_amp.log"
  mf16=$(grep '"policy":"mixed_float16"' "$out/bench_cuda.log" | grep -oE '"images_per_s":[0-9.]+' | cut -d: -f2)
  pf16=$(grep '"precision": "float16"' "$out/pytorch_amp.log" | grep -oE '"images_per_s": [0-9.]+' | cut -d' ' -f2)
  ratio=$(python3 -c "print(f'{float(\"$mf16\")/float(\"$pf16\"):.2f}x')" 2>/dev/null || echo "?")
  row "PyTorch AMP" "$([ $rc = 0 ] && echo ok || echo FAIL)" "mixed_float16 vs AMP float16: $ratio"
else
  row "PyTorch AMP" "absent" "no PyTorch with CUDA here"
fi

# ---- 4. the main job on the GPU ----
if [ -x "$build/examples/fashion_mnist" ] && [ -f "$data/train-images-idx3-ubyte.gz" ]; then
  if [ "$quick" = 1 ]; then fargs=(--epochs 1 --limit 256); else fargs=(--epochs 5); fi
  start=$(date +%s.%N)
  timeout 150 "$build/examples/fashion_mnist" --device cuda "${fargs[@]}" --data "$data" \
    --out "$out/fashion_mnist" >"$out/fashion_mnist.log" 2>&1
  rc=$?
  secs=$(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')")
  tail -n 4 "$out/fashion_mnist.log"
  acc=$(grep -oE 'test accuracy: [0-9.]+' "$out/fashion_mnist.log" | cut -d' ' -f3)
  row "fashion_mnist" "$([ $rc = 0 ] && echo ok || echo FAIL)" "${fargs[*]}: accuracy ${acc:-?}, ${secs} s wall"
else
  row "fashion_mnist" "absent" "no example binary or no data in $data"
fi

echo
echo "== gpu_check summary"
printf '%s\n' "${rows[@]}"
printf '%s\n' "${rows[@]}" >"$out/summary.txt"
