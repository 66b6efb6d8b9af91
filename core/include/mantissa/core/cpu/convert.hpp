// mantissa/core/cpu/convert.hpp: bulk conversion between float and the 16-bit floats.
//
// Bit-exact with the scalar conversions of half.hpp (round to nearest even, subnormals kept,
// NaN quieted with its sign and top payload bits), whatever instruction set runs: AVX-512 or
// F16C where the CPU has them (chosen once at run time), a portable loop otherwise.
// src and dst must not overlap. n may be 0.
#pragma once

#include <cstddef>

#include "mantissa/core/half.hpp"

namespace mantissa::cpu {

void convert(const float* src, half* dst, std::size_t n) noexcept;
void convert(const half* src, float* dst, std::size_t n) noexcept;
void convert(const float* src, bfloat16* dst, std::size_t n) noexcept;
void convert(const bfloat16* src, float* dst, std::size_t n) noexcept;

// Which implementation the calls above use on this CPU: "avx512", "f16c" or "portable".
const char* convert_isa() noexcept;

}  // namespace mantissa::cpu
