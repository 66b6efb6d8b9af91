// core/src/cpu/numerics.cpp: non-finite counting, fused unscale-and-check, scaled narrowing.
#include "mantissa/core/cpu/numerics.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>

#include "mantissa/core/cpu/convert.hpp"
#include "map_float.hpp"
#include "mantissa/core/parallel.hpp"

namespace mantissa::cpu {

using detail::widen;

template <FloatDtype T>
NonFinite count_nonfinite(const T* x, std::int64_t n) {
  NonFinite r;
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = widen(x[i]);
    r.inf += std::isinf(v);
    r.nan += std::isnan(v);
  }
  return r;
}

void unscale_and_check(float* g, std::int64_t n, float inv_scale, StepStatus* status) {
  // Integer counts and a minimum: the same result whichever thread takes which chunk.
  std::atomic<std::int64_t> bad_total{0}, first_bad{n};
  parallel_for(n, grain_for(n, 1), [&](std::int64_t begin, std::int64_t end) {
    // Counted on the exponent bits, without a branch, so that the loop vectorises (it was a
    // branch per value: 2.7 % of the reference CNN's bfloat16 step); the first bad index is
    // looked for only in a chunk that has one.
    std::int64_t bad = 0, first = n;
    for (std::int64_t i = begin; i < end; ++i) {
      const float v = g[i] * inv_scale;
      g[i] = v;
      bad += (std::bit_cast<std::uint32_t>(v) & 0x7f800000u) == 0x7f800000u;
    }
    if (bad == 0) return;
    for (std::int64_t i = begin; i < end; ++i)
      if (!std::isfinite(g[i])) {
        first = i;
        break;
      }
    bad_total.fetch_add(bad, std::memory_order_relaxed);
    for (auto f = first_bad.load(); first < f && !first_bad.compare_exchange_weak(f, first);) {
    }
  });
  const std::int64_t bad = bad_total.load(), first = first_bad.load();
  if (bad == 0) return;
  status->nonfinite += bad;
  if (status->first_nonfinite < 0 || first < status->first_nonfinite) status->first_nonfinite = first;
}

template <FloatDtype T>
void convert_scaled(const float* src, T* dst, std::int64_t n, float scale) {
  if constexpr (std::same_as<T, float>) {
    for (std::int64_t i = 0; i < n; ++i) dst[i] = src[i] * scale;
  } else {
    alignas(64) float buf[detail::kWidenBlock];
    for (std::int64_t i = 0; i < n; i += detail::kWidenBlock) {
      const auto len = std::min(detail::kWidenBlock, n - i);
      for (std::int64_t j = 0; j < len; ++j) buf[j] = src[i + j] * scale;
      convert(buf, dst + i, static_cast<std::size_t>(len));
    }
  }
}

std::int64_t first_out_of_range(const float* x, std::int64_t n, float limit) {
  for (std::int64_t i = 0; i < n; ++i)
    if (!(std::abs(x[i]) <= limit)) return i;  // NaN fails the comparison too
  return -1;
}

template NonFinite count_nonfinite<float>(const float*, std::int64_t);
template NonFinite count_nonfinite<half>(const half*, std::int64_t);
template NonFinite count_nonfinite<bfloat16>(const bfloat16*, std::int64_t);
template void convert_scaled<float>(const float*, float*, std::int64_t, float);
template void convert_scaled<half>(const float*, half*, std::int64_t, float);
template void convert_scaled<bfloat16>(const float*, bfloat16*, std::int64_t, float);

}  // namespace mantissa::cpu
