#!/usr/bin/env bash
# benchmarks/ab_train.sh: A/B training throughput of two bench_train binaries, interleaved in
# one run so that both see the same machine (this VM is shared and noisy):
#   benchmarks/ab_train.sh OLD/bench_train NEW/bench_train [reps] [filter]
# Runs A, B, A, B, ... `reps` times each (default 5) over every benchmark matching `filter`
# (default: all: the reference CNN under three policies and the MLP, 1 and 2 threads), then
# prints per benchmark the median images/s of each and the ratio B / A.
set -euo pipefail
a=$1 b=$2 reps=${3:-5} filter=${4:-.}
out=$(mktemp -d)
for ((i = 1; i <= reps; ++i)); do
  for side in a b; do
    bin=$a; [ "$side" = b ] && bin=$b
    "$bin" --benchmark_filter="$filter" --benchmark_format=json >"$out/$side-$i.json" 2>/dev/null
  done
done
python3 - "$out" "$reps" <<'PY'
import json, statistics, sys
out, reps = sys.argv[1], int(sys.argv[2])
runs = {s: {} for s in "ab"}
for s in "ab":
    for i in range(1, reps + 1):
        for bm in json.load(open(f"{out}/{s}-{i}.json"))["benchmarks"]:
            runs[s].setdefault(bm["name"], []).append(bm["items_per_second"])
print(f"{'benchmark':<44} {'A img/s':>9} {'B img/s':>9} {'B/A':>6}   (median of {reps}, interleaved)")
for name in runs["a"]:
    ma, mb = statistics.median(runs["a"][name]), statistics.median(runs["b"].get(name, [0]))
    print(f"{name:<44} {ma:>9.0f} {mb:>9.0f} {mb / ma:>6.3f}")
PY
rm -rf "$out"
