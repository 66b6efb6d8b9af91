// core/src/cpu/reduce.cpp: sum / max / argmax over the middle axis of (outer, len, inner).
#include "mantissa/core/cpu/reduce.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "map_float.hpp"
#include "mantissa/core/parallel.hpp"

namespace mantissa::cpu {

namespace {
using detail::kWidenBlock;
using detail::widen;

// Sum of a contiguous run, widened in blocks; Eigen's vectorised sum inside a block, blocks
// added in order. The split is fixed by kWidenBlock, never by the thread count.
template <FloatDtype T>
float sum_contiguous(const T* x, std::int64_t len) {
  alignas(64) float buf[kWidenBlock];
  float total = 0.0f;
  for (std::int64_t i = 0; i < len; i += kWidenBlock) {
    const auto n = std::min(kWidenBlock, len - i);
    const float* p;
    if constexpr (std::same_as<T, float>) {
      p = x + i;
    } else {
      convert(x + i, buf, static_cast<std::size_t>(n));
      p = buf;
    }
    total += Eigen::Map<const Eigen::ArrayXf>(p, n).sum();
  }
  return total;
}
}  // namespace

template <FloatDtype T>
void sum(const T* x, std::int64_t outer, std::int64_t len, std::int64_t inner, float* out) {
  parallel_for(outer, grain_for(outer, len * inner), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t o = first; o < last; ++o) {
      const T* row = x + o * len * inner;
      float* dst = out + o * inner;
      if (inner == 1) {
        *dst = sum_contiguous(row, len);
        continue;
      }
      // Accumulate whole rows of `inner` elements, in order of the reduced axis.
      std::fill(dst, dst + inner, 0.0f);
      for (std::int64_t l = 0; l < len; ++l)
        for (std::int64_t i = 0; i < inner; ++i) dst[i] += widen(row[l * inner + i]);
    }
  });
}

template <FloatDtype T>
void max(const T* x, std::int64_t outer, std::int64_t len, std::int64_t inner, T* out) {
  parallel_for(outer, grain_for(outer, len * inner), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t o = first; o < last; ++o) {
      for (std::int64_t i = 0; i < inner; ++i) {
        const T* p = x + o * len * inner + i;
        T best = p[0];
        float fb = widen(best);
        for (std::int64_t l = 1; l < len && !std::isnan(fb); ++l) {
          const float v = widen(p[l * inner]);
          if (v > fb || std::isnan(v)) {
            fb = v;
            best = p[l * inner];
          }
        }
        out[o * inner + i] = best;
      }
    }
  });
}

template <FloatDtype T>
void argmax(const T* x, std::int64_t outer, std::int64_t len, std::int64_t inner,
            std::int32_t* out) {
  parallel_for(outer, grain_for(outer, len * inner), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t o = first; o < last; ++o) {
      for (std::int64_t i = 0; i < inner; ++i) {
        const T* p = x + o * len * inner + i;
        std::int64_t best = 0;
        float fb = widen(p[0]);
        for (std::int64_t l = 1; l < len && !std::isnan(fb); ++l) {
          const float v = widen(p[l * inner]);
          if (v > fb || std::isnan(v)) {
            fb = v;
            best = l;
          }
        }
        out[o * inner + i] = static_cast<std::int32_t>(best);
      }
    }
  });
}

#define MANTISSA_INSTANTIATE(T)                                                               \
  template void sum<T>(const T*, std::int64_t, std::int64_t, std::int64_t, float*);           \
  template void max<T>(const T*, std::int64_t, std::int64_t, std::int64_t, T*);               \
  template void argmax<T>(const T*, std::int64_t, std::int64_t, std::int64_t, std::int32_t*);
MANTISSA_INSTANTIATE(float)
MANTISSA_INSTANTIATE(half)
MANTISSA_INSTANTIATE(bfloat16)
#undef MANTISSA_INSTANTIATE

}  // namespace mantissa::cpu
