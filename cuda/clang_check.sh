#!/usr/bin/env bash
# cuda/clang_check.sh: a second CUDA front end over cuda/src/*.cu: clang (Debian's clang-22,
# which parses the CUDA 13 headers) compiles every file for the host and for sm_80 and sm_90
# with -fsyntax-only and warnings as errors. It refuses what nvcc only warns about (a host
# function called from device code) and checks the C++ of the device side strictly.
# Usage: cuda/clang_check.sh [clang++]   (run from anywhere; exits non-zero on any error)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cxx=${1:-clang++-22}
cuda=${CUDA_PATH:-/usr/local/cuda}
status=0
for f in "$root"/cuda/src/*.cu; do
  for arch in sm_80 sm_90; do
    if ! "$cxx" -x cuda --cuda-gpu-arch="$arch" --cuda-path="$cuda" -Wno-unknown-cuda-version \
        -std=c++20 -fsyntax-only -Wall -Wextra -Wshadow -Werror \
        -I"$root/core/include" -I"$root/cuda/src" -DMANTISSA_WITH_CUDA "$f"; then
      echo "clang_check: $(basename "$f") ($arch) FAILED" >&2
      status=1
    fi
  done
done
[ "$status" -eq 0 ] && echo "clang_check: $(ls "$root"/cuda/src/*.cu | wc -l) files, sm_80 and sm_90: OK"
exit "$status"
