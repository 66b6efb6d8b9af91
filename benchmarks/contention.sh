#!/usr/bin/env bash
# benchmarks/contention.sh: training on a shared machine. The reference CNN (batch 64, the
# library's default thread count) trained by train_bench on an idle machine and with a
# competing busy process pinned to one core, in interleaved repetitions; prints each run's
# images/s, the medians and their ratio (issue 14's target: busy / idle >= 0.45).
#   benchmarks/contention.sh [reps=5] [policy=float32] [build=build] [steps=40]
# "Idle" means no competitor started by this script: run it when nothing else is busy (the
# load average is printed before and after).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
reps=${1:-5} policy=${2:-float32} build=${3:-build} steps=${4:-40}
bench=$build/benchmarks/train_bench
[ -x "$bench" ] || { echo "contention.sh: $bench is missing: cmake --build $build --target train_bench"; exit 1; }
cores=$(nproc)
[ "$cores" -ge 2 ] || { echo "contention.sh: needs 2 or more cores (has $cores)"; exit 1; }
busy_core=$((cores - 1))

run() {
  "$bench" --model cnn --policy "$policy" --batch 64 --warmup 5 --steps "$steps" --json |
    sed -n 's/.*"images_per_s":\([0-9.]*\).*/\1/p'
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $cores cores; competitor pinned to core $busy_core"
idle=() busy=()
for r in $(seq "$reps"); do
  idle+=("$(run)")
  taskset -c "$busy_core" sh -c 'while :; do :; done' &
  hog=$!
  sleep 0.5
  busy+=("$(run)")
  kill "$hog"; wait "$hog" 2>/dev/null || true
  echo "rep $r: idle ${idle[-1]} img/s, with a busy process on core $busy_core ${busy[-1]} img/s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
mi=$(median "${idle[@]}") mb=$(median "${busy[@]}")
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v i="$mi" -v b="$mb" -v p="$policy" 'BEGIN {printf "reference CNN %s, batch 64: median idle %.0f img/s, busy %.0f img/s, ratio %.2f (target >= 0.45)\n", p, i, b, b / i}'
