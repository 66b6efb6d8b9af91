#!/usr/bin/env bash
# examples/run_main.sh: the main job on a fresh machine: install what is missing, build, then
# train the reference CNN on Fashion-MNIST (examples/fashion_mnist).
# Arguments are passed to the program (try --help).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/cmake/setup.sh"
exec "${BUILD_DIR:-$root/build}/examples/fashion_mnist" "$@"
