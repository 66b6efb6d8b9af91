#!/usr/bin/env bash
# benchmarks/gpu_build.sh: builds, on this machine, what benchmarks/gpu_check.sh runs on a
# GPU machine: the CUDA test suites, bench_cuda and the main job, for sm_90 (H100/H200) and
# for any x86-64 CPU (no -march=native: the GPU machine's CPU is another), stripped, with the
# Fashion-MNIST files beside them, gathered in build-gpu/carry/ (about 50 MB: the one path to
# carry to the GPU machine; there: benchmarks/gpu_check.sh build-gpu/carry).
#
#   benchmarks/gpu_build.sh            the real build (nvcc), in build-gpu/
#   benchmarks/gpu_build.sh --emulate  the same targets in the emulation build, in
#                                      build-gpu-emu/, then gpu_check.sh on it (quick sizes):
#                                      a smoke test of the script without a GPU
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
targets=(test_cuda_device test_cuda_elementwise test_cuda_losses test_cuda_layers test_cuda_optim
         test_cuda_gemm test_cuda_conv test_cuda_layer_parity test_cuda_training bench_cuda
         fashion_mnist)
if [ "${1:-}" = "--emulate" ]; then
  dir=build-gpu-emu
  cmake -S . -B "$dir" -DMANTISSA_CUDA_EMULATE=ON -DMANTISSA_NATIVE=OFF >"$dir.log" 2>&1 ||
    { tail -n 30 "$dir.log"; exit 1; }
else
  dir=build-gpu
  cmake -S . -B "$dir" -DMANTISSA_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DMANTISSA_NATIVE=OFF \
    >"$dir.log" 2>&1 || { tail -n 30 "$dir.log"; exit 1; }
  # NCCL with one rank (issue 15), where this build found NCCL and MPI.
  grep -q "NCCL ON" "$dir.log" && targets+=(test_nccl)
fi
cmake --build "$dir" -j2 --target "${targets[@]}" >>"$dir.log" 2>&1 || { tail -n 40 "$dir.log"; exit 1; }
if [ "$dir" = build-gpu ]; then
  carry=$dir/carry
  rm -rf "$carry"
  mkdir -p "$carry/tests" "$carry/benchmarks" "$carry/examples" "$carry/data"
  for t in "${targets[@]}"; do
    case $t in
      test_cuda_*) cp "$dir/tests/$t" "$carry/tests/" ;;
      test_nccl) cp "$dir/tests/dist/$t" "$carry/tests/" ;;
      bench_cuda) cp "$dir/benchmarks/$t" "$carry/benchmarks/" ;;
      *) cp "$dir/examples/$t" "$carry/examples/" ;;
    esac
  done
  strip "$carry"/tests/* "$carry"/benchmarks/* "$carry"/examples/*
  cp /usr/share/datasets/fashion-mnist/*.gz "$carry/data/"
  du -sh "$carry"
  echo "carry: $carry (then, there: benchmarks/gpu_check.sh $carry)"
else
  GPU_CHECK_QUICK=1 benchmarks/gpu_check.sh "$dir"
fi
