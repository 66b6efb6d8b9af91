// mantissa/core/cpu/convert.hpp: bulk conversion between float and the 16-bit floats.
//
// Bit-exact with the scalar conversions of half.hpp (round to nearest even, subnormals kept,
// NaN quieted with its sign and top payload bits), whatever instruction set runs: AVX-512 or
// F16C where the CPU has them (chosen once at run time), a portable loop otherwise.
// src and dst must not overlap. n may be 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

#include "mantissa/core/dtype.hpp"
#include "mantissa/core/half.hpp"

namespace mantissa::cpu {

void convert(const float* src, half* dst, std::size_t n) noexcept;
void convert(const half* src, float* dst, std::size_t n) noexcept;
void convert(const float* src, bfloat16* dst, std::size_t n) noexcept;
void convert(const bfloat16* src, float* dst, std::size_t n) noexcept;

// Which implementation the calls above use on this CPU: "avx512", "f16c" or "portable".
const char* convert_isa() noexcept;

// dst = src converted elementwise, for any two dtypes: float <-> 16-bit in bulk (above);
// floating -> integer truncates toward zero and throws NumericsError for NaN, inf or a value
// outside To's range (a float -> integer conversion of those is UB in C++).
template <class To, class From>
void cast(const From* src, To* dst, std::int64_t n);

}  // namespace mantissa::cpu

namespace mantissa::detail {
[[noreturn]] void throw_cast_range(std::string_view to, std::int64_t index, float value);
}  // namespace mantissa::detail

namespace mantissa::cpu {
template <class To, class From>
void cast(const From* src, To* dst, std::int64_t n) {
  const auto un = static_cast<std::size_t>(n);
  if constexpr (std::same_as<To, From>) {
    if (n) std::memcpy(dst, src, un * sizeof(To));
  } else if constexpr (std::same_as<From, float> && HalfDtype<To>) {
    convert(src, dst, un);
  } else if constexpr (HalfDtype<From> && std::same_as<To, float>) {
    convert(src, dst, un);
  } else if constexpr (FloatDtype<From> && !FloatDtype<To>) {
    for (std::int64_t i = 0; i < n; ++i) {
      const float v = static_cast<float>(src[i]);
      if (!(v > static_cast<float>(std::numeric_limits<To>::min()) - 1.0f &&
            v < static_cast<float>(std::numeric_limits<To>::max()) + 1.0f))
        ::mantissa::detail::throw_cast_range(dtype_name<To>, i, v);
      dst[i] = static_cast<To>(v);
    }
  } else {
    for (std::int64_t i = 0; i < n; ++i) dst[i] = convert_scalar<To>(src[i]);
  }
}
}  // namespace mantissa::cpu
