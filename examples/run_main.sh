#!/usr/bin/env bash
# examples/run_main.sh: the main job on a fresh machine: install what is missing, build, run.
# Arguments are passed to the program (try --help).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/cmake/setup.sh"
exec "${BUILD_DIR:-$root/build}/examples/tensor_demo" "$@"
