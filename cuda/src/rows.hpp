// cuda/src/rows.hpp: the per-element and per-row math that elementwise.cu, reduce.cu and
// losses.cu share, written as the CPU writes it (core/src/cpu/map_float.hpp, reduce.cpp,
// losses.cpp) so that each GPU thread computes what the CPU computes for its row:
// widening 16-bit values to float and narrowing once, the first-maximum rule of argmax,
// and a row's max-shifted sum of exponentials.
#pragma once

#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>

#include "mantissa/core/dtype.hpp"
#include "mantissa/core/host_device.hpp"

namespace mantissa::cuda {

template <class T>
MANTISSA_HD inline float widen(T v) {
  return static_cast<float>(v);
}
// Round to nearest even into a 16-bit dtype (half.hpp's conversion); float passes through.
template <class T>
MANTISSA_HD inline T narrow(float v) {
  if constexpr (std::same_as<T, float>) return v;
  else return T(v);
}

// The index in [begin, end) of the first maximum of p[l * stride]; the first NaN wins and
// ends the search (cpu::argmax). end > begin.
template <class T>
MANTISSA_HD inline std::int64_t first_max(const T* p, std::int64_t begin, std::int64_t end,
                                          std::int64_t stride) {
  std::int64_t best = begin;
  float fb = widen(p[begin * stride]);
  for (std::int64_t l = begin + 1; l < end && !std::isnan(fb); ++l) {
    const float v = widen(p[l * stride]);
    if (v > fb || std::isnan(v)) {
      fb = v;
      best = l;
    }
  }
  return best;
}

// One row z of c logits: its max m and s = the sum over j of e^(z_j - m), in float32, each
// term also written to e[j] unless e is null (cpu/losses.cpp's shifted_exp_sum, in its
// order). softmax = e / s, log-sum-exp = m + log(s).
struct ShiftedExpSum {
  float max, sum;
};
template <class T>
MANTISSA_HD inline ShiftedExpSum shifted_exp_sum(const T* z, std::int64_t c, float* e) {
  float m = -std::numeric_limits<float>::infinity();
  for (std::int64_t j = 0; j < c; ++j) {
    const float v = widen(z[j]);
    m = m < v ? v : m;  // std::max(m, v): a NaN is skipped here and poisons the sum below
  }
  float s = 0.0f;
  for (std::int64_t j = 0; j < c; ++j) {
    const float t = std::exp(widen(z[j]) - m);
    if (e != nullptr) e[j] = t;
    s += t;
  }
  return {m, s};
}

}  // namespace mantissa::cuda
