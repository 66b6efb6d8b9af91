#!/usr/bin/env bash
# fuzz/run_fuzzers.sh [SECONDS]: builds the libFuzzer targets with Clang 14 (ASan + UBSan,
# build-fuzz/) and runs each for SECONDS (default 60), two at a time: the readers (idx, csv,
# safetensors), the structure-aware safetensors header fuzzer (safetensors_header, whose
# inputs are choices that build a header) and checkpoint loading (checkpoint). Each run starts from
# the seed corpus (fuzz/corpus/<t>) and the past findings (fuzz/regressions/<t>), neither
# modified, plus what earlier local runs found (build-fuzz/corpus/<t>). Any finding (crash,
# sanitizer report, an exception other than DataError / IoError, a broken oracle of the target,
# a >2 GiB allocation, an input taking >5 s, a leak) fails the script; its input is saved under build-fuzz/findings/ and belongs,
# once fixed, in fuzz/regressions/<t>/.
# Prints executions per second, libFuzzer's edge count, and the line and region coverage
# (llvm-cov) that the final corpus reaches in the reader functions themselves.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-60}
build=$root/build-fuzz
"$root/cmake/install_packages.sh" clang-14 libclang-rt-14-dev libomp-14-dev llvm-14
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
flags+=" -fno-omit-frame-pointer -Wno-pass-failed"
# Line tables (enough for the reports' stack traces) and the portable kernels only (the readers
# use none of the others): the build took 2 min 45 s instead of 8 min 12 s (2026-12-03). The coverage instrumentation is on the
# reader sources alone (fuzz/CMakeLists.txt).
mkdir -p "$build"
{ cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" -DMANTISSA_CPU_DISPATCH=OFF \
    -DMANTISSA_CUDA=OFF -DMANTISSA_TESTS=OFF -DMANTISSA_EXAMPLES=OFF -DMANTISSA_BENCHMARKS=OFF \
    -DMANTISSA_FUZZ=ON -DCMAKE_CXX_FLAGS="$flags" &&
  cmake --build "$build" -j2 --target fuzz_idx fuzz_csv fuzz_safetensors \
    fuzz_safetensors_header fuzz_checkpoint; } \
  >"$build/build.log" 2>&1 || { tail -n 40 "$build/build.log"; exit 1; }

# The reader functions whose coverage is reported (a regex over llvm-cov's function names).
declare -A readers=([idx]='read_idx|read_some' [csv]='parse_csv|parse_float|parse_label|split|trim'
                    [safetensors]='SafetensorsFile|dtype_size'
                    [safetensors_header]='SafetensorsFile|dtype_size|parse_header|HeaderCheck'
                    [checkpoint]='check_|verify_checksums|_field|parse_integer|_crc')
declare -A source=([idx]=data/src/data/idx.cpp [csv]=data/src/data/csv.cpp
                   [safetensors]=data/src/io/safetensors.cpp
                   [safetensors_header]=data/src/io/safetensors.cpp
                   [checkpoint]=optim/src/checkpoint_check.cpp)
# A checkpoint of the fuzzed model (with its checksums) is about 3 KB.
declare -A max_len=([checkpoint]=8192)
run() {
  local t=$1 dict=()
  mkdir -p "$build/corpus/$t" "$build/findings"
  [ -f "$root/fuzz/$t.dict" ] && dict=(-dict="$root/fuzz/$t.dict")
  ASAN_OPTIONS=detect_leaks=1 LLVM_PROFILE_FILE="$build/$t-%p.profraw" "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=5 \
    -rss_limit_mb=2048 -max_len="${max_len[$t]:-4096}" -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$build/findings/$t-" "$build/corpus/$t" "$root/fuzz/corpus/$t" \
    "$root/fuzz/regressions/$t" \
    >"$build/$t.log" 2>&1
}
status=0
run idx & a=$!
run csv & b=$!
wait $a || status=1
wait $b || status=1
run safetensors & a=$!
run safetensors_header & b=$!
wait $a || status=1
wait $b || status=1
run checkpoint || status=1

for t in idx csv safetensors safetensors_header checkpoint; do
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$build/$t.log" | tail -n 1 || true)
  if [ -z "$done_line" ]; then
    echo "fuzz_$t: FINDING (see $build/$t.log, input in $build/findings/):"
    grep -E 'ERROR|SUMMARY|terminate|Test unit written' "$build/$t.log" | head -n 8
    status=1
    continue
  fi
  # Source coverage of the reader's own code by the final corpus (clang's profile).
  rm -f "$build/$t"-*.profraw
  LLVM_PROFILE_FILE="$build/$t-replay.profraw" "$build/fuzz/fuzz_$t" -runs=0 \
    "$build/corpus/$t" "$root/fuzz/corpus/$t" "$root/fuzz/regressions/$t" >/dev/null 2>&1
  llvm-profdata-14 merge -sparse -o "$build/$t.profdata" "$build/$t-replay.profraw"
  cov=$(llvm-cov-14 report --show-functions "$build/fuzz/fuzz_$t" \
          -instr-profile="$build/$t.profdata" "$root/${source[$t]}" 2>/dev/null |
        awk -v want="${readers[$t]}" '$0 ~ want { r += $2; rm += $3; l += $5; lm += $6 }
          END { printf "%.1f%% of lines, %.1f%% of regions", 100 * (l - lm) / l, 100 * (r - rm) / r }')
  runs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$done_line")
  echo "fuzz_$t: ${seconds} s, $runs runs, $(grep -oE 'exec/s: [0-9]+' <<<"$done_line"), \
$(grep -oE 'cov: [0-9]+' <<<"$done_line") edges in all, reader code ${source[$t]}: $cov, \
corpus $(ls "$build/corpus/$t" | wc -l) inputs, no finding"
done
exit $status
