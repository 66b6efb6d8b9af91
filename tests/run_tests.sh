#!/usr/bin/env bash
# tests/run_tests.sh: the whole test suite on a fresh machine: install what is missing, build,
# run every CTest test (GoogleTest suites, compile-fail cases, the installed-package consumer).
# CUDA tests skip themselves, visibly, where no GPU is present.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/cmake/setup.sh"
exec ctest --test-dir "${BUILD_DIR:-$root/build}" -j2 --output-on-failure "$@"
