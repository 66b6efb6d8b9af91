#!/bin/sh
# tests/check_baseline_code.sh OBJDUMP LIB...: no function of the given libraries uses an AVX
# instruction (VEX or EVEX encoded: a v-prefixed mnemonic, or a ymm / zmm / mask register)
# unless it is one of the per-CPU-level kernels, which run only where cpu_level() allows them
# (core/src/cpu/cpu_level.hpp): the GEMM objects' namespaces isa_avx2 / isa_avx512 /
# isa_avx512_bf16 / isa_amx, the conversions' 8- and 16-lane paths, and the avx2 / avx512 copies of max
# pooling, Adam, BatchNorm's loops and ReLU / bias loops (ew_*).
# Anything else is baseline x86-64 code that may run on any CPU. Prints the offenders and fails.
objdump=$1
shift
allowed='isa_avx2::|isa_avx512::|isa_avx512_bf16::|isa_amx::|maxpool_(forward|backward)_avx(2|512)<|adam_avx(2|512)<|(bn|ew)_[a-z0-9_]+_avx(2|512)\\(|(f2h|h2f|f2b|b2f)_block(8|16)|run(8|16)<|bf16_round8'
"$objdump" -d -C --no-show-raw-insn "$@" | awk -v allowed="$allowed" '
  /^[0-9a-f]+ <.*>:$/ { fn = $0; next }
  /^ +[0-9a-f]+:\t/ {
    split($0, parts, "\t"); insn = parts[2]
    if (insn ~ /^v[a-z0-9]+ / || insn ~ /%[yz]mm[0-9]|%k[0-7]/) {
      if (fn !~ allowed && !(fn in seen)) { seen[fn] = 1; print "AVX in baseline code: " fn; bad++ }
      else checked++
    }
  }
  END {
    if (bad) { print bad " baseline functions use AVX"; exit 1 }
    print "ok: " checked + 0 " AVX instructions, all in per-level kernels"
  }'
