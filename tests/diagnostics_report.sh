#!/usr/bin/env bash
# tests/diagnostics_report.sh: how long g++'s message is for each mistake the type system
# rejects: every negative case of tests/compile_fail/ and every program of tests/misuse/ that
# does not compile, compiled as a user would (the installed headers, -fsyntax-only, LC_ALL=C).
# Prints, per corpus, the median and maximum number of lines and the longest cases, and each
# rejection whose first error line does not come from mantissa (a message of the library, or a
# deleted mantissa function whose declaration, shown next, names the fix).
#   tests/diagnostics_report.sh [build-dir]     (default build/: its include paths and defines)
# Issue 12's targets: a median of at most 12 lines, none over 60.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
cxx=${CXX:-g++}
flags=(-std=c++20 -fsyntax-only -fdiagnostics-color=never -Werror=unused-result -Werror=narrowing)
for d in core data layers optim cuda; do flags+=("-I$root/$d/include"); done
[ -d /usr/local/cuda/include ] && flags+=(-I/usr/local/cuda/include)
# The build's definitions as a consumer sees them (MANTISSA_WITH_CUDA where CUDA is built).
if grep -q -- '-DDEFINES=[^"]*MANTISSA_WITH_CUDA' "$build/tests/CTestTestfile.cmake" 2>/dev/null; then
  flags+=(-DMANTISSA_WITH_CUDA)
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
one() {  # one <file>: "<lines> <first-error-is-mantissa's: 1/0> <name>" when it does not compile
  local f=$1 log
  log=$(LC_ALL=C "$cxx" "${flags[@]}" "$f" 2>&1) && return 0
  local n first
  n=$(printf '%s\n' "$log" | grep -c '')
  first=$(printf '%s\n' "$log" | grep -m1 'error:' || true)
  if [[ $first == *mantissa* ]]; then echo "$n 1 $(basename "$f")"; else echo "$n 0 $(basename "$f")"; fi
}
export -f one
export cxx
export flags_str="${flags[*]}"
report() {  # report <title> <files...>
  local title=$1; shift
  printf '%s\n' "$@" | xargs -P "$(nproc)" -I{} bash -c 'flags=($flags_str); one "$1"' _ {} |
    sort -n > "$out/r"
  local n median max
  n=$(wc -l < "$out/r")
  [ "$n" -gt 0 ] || { echo "$title: nothing rejected"; return; }
  median=$(awk '{print $1}' "$out/r" | sed -n "$(( (n + 1) / 2 ))p")
  max=$(tail -n1 "$out/r" | awk '{print $1}')
  echo "$title: $n rejections; compiler output median $median lines, max $max"
  echo "  longest:"; tail -n 5 "$out/r" | sort -rn | sed 's/^\([0-9]*\) [01] /    \1 lines  /'
  local foreign
  foreign=$(awk '$2 == 0 {print "    " $3 " (" $1 " lines)"}' "$out/r")
  if [ -n "$foreign" ]; then echo "  first error line not from mantissa:"; echo "$foreign"; fi
}
mapfile -t cf < <(grep -L -- '// expect-success' "$root"/tests/compile_fail/*.cpp)
report "tests/compile_fail (negative cases)" "${cf[@]}"
mapfile -t mu < <(ls "$root"/tests/misuse/*.cpp)
report "tests/misuse (the programs that do not compile)" "${mu[@]}"
