// core/src/cpu/cpu_level.hpp (internal): which instruction-set level the CPU kernels run at.
//
// The library is compiled for baseline x86-64; the hot kernels (GEMM micro-kernels and packing,
// the bulk float <-> half / bfloat16 conversions) are compiled once per level, each in its own
// translation units with their own -m flags (core/CMakeLists.txt), and one level is chosen
// here, once per process, from CPUID: the highest the CPU and the OS support, capped by the
// environment variable MANTISSA_CPU (scalar, avx2, avx512, avx512_bf16 or amx) so that the slower
// paths can be tested and compared on a fast machine. A cap above what the CPU has changes
// nothing; no level's code ever runs on a CPU without its instructions.
#pragma once

#include <optional>
#include <string_view>

namespace mantissa::cpu::detail {

enum class CpuLevel {
  scalar = 0,       // baseline x86-64 (SSE2), or any other architecture
  avx2 = 1,         // + AVX2, FMA, F16C
  avx512 = 2,       // + AVX-512 F, BW, VL, DQ
  avx512_bf16 = 3,  // + AVX512-BF16 (vdpbf16ps)
  amx = 4,          // + AMX-TILE and AMX-BF16, and the OS lets the process use the tiles
};

// "scalar", "avx2", "avx512", "avx512_bf16", "amx".
const char* cpu_level_name(CpuLevel level) noexcept;
// The level a MANTISSA_CPU value names (exactly one of the names above), or nothing.
std::optional<CpuLevel> parse_cpu_level(std::string_view name) noexcept;

// The highest level this CPU and OS support (the ZMM/YMM state saved: XGETBV).
CpuLevel detected_cpu_level() noexcept;
// The level the kernels run at: detected_cpu_level(), capped by MANTISSA_CPU when set. Decided
// on the first call and fixed for the life of the process (an unknown MANTISSA_CPU value is
// reported once on stderr and ignored).
CpuLevel cpu_level() noexcept;

}  // namespace mantissa::cpu::detail
