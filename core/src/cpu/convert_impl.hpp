// core/src/cpu/convert_impl.hpp: the individual implementations behind cpu::convert (internal).
//
// cpu::convert picks one of these once, by CPU features. They are exposed here, not in the public
// header, so that tests and benchmarks can run every path this CPU supports, not only the one
// dispatched: a path that is never dispatched on the test machine would otherwise go untested.
//
// Every kernel has the contract of cpu::convert: bit-exact with the scalar conversions of
// half.hpp, src and dst do not overlap, n may be 0, no alignment required, and no byte outside
// [src, src + n) is read nor outside [dst, dst + n) written (tails use masked or buffered moves).
#pragma once

#include <cstddef>
#include <span>

#include "mantissa/core/half.hpp"

namespace mantissa::cpu::detail {

// One implementation of the four conversions, under one name ("avx512", "f16c", "portable").
struct ConvertKernels {
  const char* name;
  void (*float_to_half)(const float* src, half* dst, std::size_t n) noexcept;
  void (*half_to_float)(const half* src, float* dst, std::size_t n) noexcept;
  void (*float_to_bfloat16)(const float* src, bfloat16* dst, std::size_t n) noexcept;
  void (*bfloat16_to_float)(const bfloat16* src, float* dst, std::size_t n) noexcept;
};

// The plain loop over the scalar conversions; runs anywhere.
extern const ConvertKernels portable_kernels;
// F16C + AVX2, 8 lanes; needs cpu_has_f16c().
extern const ConvertKernels f16c_kernels;
// AVX-512 F/BW/VL, 16 lanes, masked tails; needs cpu_has_avx512().
extern const ConvertKernels avx512_kernels;

// Whether the kernels' CPU level (cpu_level.hpp: the CPU's, capped by MANTISSA_CPU) allows
// the path: F16C and AVX2 (avx2 and up), AVX-512 F, BW and VL (avx512 and up).
bool cpu_has_f16c() noexcept;
bool cpu_has_avx512() noexcept;

// The kernels allowed at that level, fastest first; the first is the one cpu::convert
// dispatches to.
std::span<const ConvertKernels* const> supported_kernels() noexcept;

}  // namespace mantissa::cpu::detail
