// core/src/cpu/map_float.hpp (internal): run a float kernel over any floating dtype
// (map_float), and the scalar widen / narrow of the per-element kernels.
//
// map_float: float buffers go to the kernel as they are; 16-bit ones are widened into a stack
// block, computed in float and narrowed once (one rounding per result). Large inputs are split
// across the pool's threads (parallel.hpp) in fixed blocks, so results never depend on the thread count.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>

#include "mantissa/core/cpu/convert.hpp"
#include "mantissa/core/dtype.hpp"
#include "mantissa/core/parallel.hpp"

namespace mantissa::cpu::detail {

// Scalar widening and narrowing for the per-element kernels: float passes through, 16-bit
// types convert (round to nearest even on the way back).
inline float widen(float v) { return v; }
inline float widen(half v) { return static_cast<float>(v); }
inline float widen(bfloat16 v) { return static_cast<float>(v); }
template <class T>
inline T narrow(float v) {
  if constexpr (std::same_as<T, float>) return v;
  else return T(v);
}

inline constexpr std::int64_t kParallelBlock = 1 << 14;  // elements per thread task
inline constexpr std::int64_t kWidenBlock = 512;         // floats per stack block (2 KiB)

// f(const float* a, const float* b, float* out, std::int64_t len); b may be null.
template <FloatDtype T, class F>
void map_float(const T* a, const T* b, T* out, std::int64_t n, F f) {
  const std::int64_t tasks = (n + kParallelBlock - 1) / kParallelBlock;
  parallel_for(tasks, 1, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t t = first; t < last; ++t) {
      const std::int64_t begin = t * kParallelBlock;
      const std::int64_t end = std::min(n, begin + kParallelBlock);
      if constexpr (std::same_as<T, float>) {
        f(a + begin, b ? b + begin : nullptr, out + begin, end - begin);
      } else {
        alignas(64) float fa[kWidenBlock];
        alignas(64) float fb[kWidenBlock];
        alignas(64) float fo[kWidenBlock];
        for (std::int64_t i = begin; i < end; i += kWidenBlock) {
          const auto len = std::min(kWidenBlock, end - i);
          const auto ulen = static_cast<std::size_t>(len);
          convert(a + i, fa, ulen);
          if (b) convert(b + i, fb, ulen);
          f(fa, b ? fb : nullptr, fo, len);
          convert(fo, out + i, ulen);
        }
      }
    }
  });
}

}  // namespace mantissa::cpu::detail
