#!/usr/bin/env bash
# cmake/setup.sh: make a fresh Debian machine ready and build mantissa into build/.
# Installs only the Debian packages that are missing (quietly; nothing else is downloaded),
# then configures (Release, CUDA when nvcc is found) and builds with 2 jobs. Idempotent.
# Used by examples/run_main.sh and tests/run_tests.sh; BUILD_DIR overrides the build folder.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}

packages=(cmake make g++ pkg-config libeigen3-dev zlib1g-dev nlohmann-json3-dev libcli11-dev librsvg2-bin
          libgtest-dev libgmock-dev libbenchmark-dev libopenblas-dev dataset-fashion-mnist
          libopenmpi-dev openmpi-bin)
"$root/cmake/install_packages.sh" "${packages[@]}"

mkdir -p "$build"
log=$build/setup.log
if ! { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release &&
       cmake --build "$build" -j2; } >"$log" 2>&1; then
  tail -n 60 "$log"
  echo "setup: the build failed; the whole log is $log" >&2
  exit 1
fi
grep -E 'warning:' "$log" || true  # the tree builds warning-free: show any that appear
echo "setup: built $(grep -c 'Built target' "$log") targets in $build"
# Packages installed and the build configured: examples/run_main.sh's fast path trusts this
# while no package has been installed or removed since (dpkg's database is older).
touch "$build/setup.stamp"
