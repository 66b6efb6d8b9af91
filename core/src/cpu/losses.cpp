// core/src/cpu/losses.cpp: the losses, float32 softmax and log-sum-exp, and the metrics'
// accumulation on the CPU (declared in cpu/nn.hpp; the layer kernels are in layer_kernels.cpp).
#include <algorithm>
#include <cmath>
#include <limits>

#include "mantissa/core/cpu/nn.hpp"
#include "map_float.hpp"

namespace mantissa::cpu {

using detail::widen;

namespace {

// One row z of c logits: its max m, and s = the sum over j of e^(z_j - m), in float32, each term
// also written to e[j] unless e is null. The max is subtracted so that no exp overflows: the
// largest term is e^0 = 1. softmax = e / s, log-sum-exp = m + log(s).
struct ShiftedExpSum {
  float max, sum;
};
template <FloatDtype T>
ShiftedExpSum shifted_exp_sum(const T* z, std::int64_t c, float* e) {
  float m = -std::numeric_limits<float>::infinity();
  for (std::int64_t j = 0; j < c; ++j) m = std::max(m, widen(z[j]));
  float s = 0.0f;
  if (e != nullptr)
    for (std::int64_t j = 0; j < c; ++j) s += (e[j] = std::exp(widen(z[j]) - m));
  else
    for (std::int64_t j = 0; j < c; ++j) s += std::exp(widen(z[j]) - m);
  return {m, s};
}

}  // namespace

template <FloatDtype T>
void softmax_float32(const T* logits, std::int64_t n, std::int64_t c, float* probs) {
  for (std::int64_t r = 0; r < n; ++r) {
    float* p = probs + r * c;
    const float inv = 1.0f / shifted_exp_sum(logits + r * c, c, p).sum;
    for (std::int64_t j = 0; j < c; ++j) p[j] *= inv;
  }
}

template <FloatDtype T>
void log_sum_exp(const T* x, std::int64_t n, std::int64_t c, float* out) {
  for (std::int64_t r = 0; r < n; ++r) {
    const ShiftedExpSum e = shifted_exp_sum(x + r * c, c, nullptr);
    out[r] = e.max + std::log(e.sum);
  }
}

template <FloatDtype T>
void softmax_cross_entropy(const T* logits, const std::int32_t* labels, std::int64_t n,
                           std::int64_t c, float grad_scale, float* dlogits, float* loss,
                           StepStatus* status) {
  double total = 0.0;  // the batch mean: float32 per row, double across rows
  const float g = grad_scale / static_cast<float>(n);
  for (std::int64_t r = 0; r < n; ++r) {
    const std::int32_t y = labels[r];
    if (y < 0 || y >= c) {
      if (status->bad_label_row < 0) {
        status->bad_label_row = r;
        status->bad_label = y;
        status->classes = c;
      }
      *loss = std::numeric_limits<float>::quiet_NaN();
      return;
    }
    const T* z = logits + r * c;
    float* d = dlogits + r * c;
    const ShiftedExpSum e = shifted_exp_sum(z, c, d);  // d = the softmax times s
    const float lse = e.max + std::log(e.sum);
    total += static_cast<double>(lse - widen(z[y]));
    const float inv = g / e.sum;
    for (std::int64_t j = 0; j < c; ++j) d[j] *= inv;
    d[y] -= g;
  }
  *loss = static_cast<float>(total / static_cast<double>(n));
}

template <FloatDtype T>
void binary_cross_entropy(const T* logits, const float* targets, std::int64_t n,
                          float grad_scale, float* dlogits, float* loss, StepStatus* status) {
  double total = 0.0;
  const float g = grad_scale / static_cast<float>(n);
  for (std::int64_t i = 0; i < n; ++i) {
    const float z = widen(logits[i]), t = targets[i];
    if (!(t >= 0.0f && t <= 1.0f)) {  // NaN too
      if (status->bad_label_row < 0) {
        status->bad_label_row = i;
        status->bad_target = t;
        status->binary_target = true;
      }
      *loss = std::numeric_limits<float>::quiet_NaN();
      return;
    }
    total += static_cast<double>(std::max(z, 0.0f) - z * t + std::log1p(std::exp(-std::abs(z))));
    const float s = z >= 0 ? 1.0f / (1.0f + std::exp(-z)) : std::exp(z) / (1.0f + std::exp(z));
    dlogits[i] = (s - t) * g;
  }
  *loss = static_cast<float>(total / static_cast<double>(n));
}

template <FloatDtype T>
void mean_squared_error(const T* y, const float* targets, std::int64_t n, float grad_scale,
                        float* dy, float* loss) {
  double total = 0.0;
  const float g = 2.0f * grad_scale / static_cast<float>(n);
  for (std::int64_t i = 0; i < n; ++i) {
    const float e = widen(y[i]) - targets[i];
    total += static_cast<double>(e) * e;
    dy[i] = e * g;
  }
  *loss = static_cast<float>(total / static_cast<double>(n));
}

// ---- metrics --------------------------------------------------------------------------------

template <FloatDtype T>
void accumulate_classification(float* sums, const T* logits, const std::int32_t* labels,
                               std::int64_t n, std::int64_t c, const float* loss) {
  std::int64_t hits = 0;
  for (std::int64_t r = 0; r < n; ++r) {
    const T* z = logits + r * c;
    std::int64_t best = 0;  // the first maximum; a NaN wins (as argmax)
    float bv = widen(z[0]);
    for (std::int64_t j = 1; j < c && !std::isnan(bv); ++j) {
      const float v = widen(z[j]);
      if (v > bv || std::isnan(v)) bv = v, best = j;
    }
    hits += best == labels[r];
  }
  sums[0] += *loss * static_cast<float>(n);
  sums[1] += static_cast<float>(hits);
  sums[2] += static_cast<float>(n);
}

template <FloatDtype T>
void accumulate_binary(float* sums, const T* logits, const float* targets, std::int64_t n,
                       const float* loss) {
  std::int64_t hits = 0;
  for (std::int64_t i = 0; i < n; ++i) hits += (widen(logits[i]) > 0.0f) == (targets[i] >= 0.5f);
  sums[0] += *loss * static_cast<float>(n);
  sums[1] += static_cast<float>(hits);
  sums[2] += static_cast<float>(n);
}

#define MANTISSA_INSTANTIATE(T)                                                                \
  template void softmax_float32<T>(const T*, std::int64_t, std::int64_t, float*);              \
  template void log_sum_exp<T>(const T*, std::int64_t, std::int64_t, float*);                  \
  template void softmax_cross_entropy<T>(const T*, const std::int32_t*, std::int64_t,          \
                                         std::int64_t, float, float*, float*, StepStatus*);    \
  template void binary_cross_entropy<T>(const T*, const float*, std::int64_t, float, float*,   \
                                        float*, StepStatus*);                                  \
  template void mean_squared_error<T>(const T*, const float*, std::int64_t, float, float*,     \
                                      float*);                                                 \
  template void accumulate_classification<T>(float*, const T*, const std::int32_t*,            \
                                             std::int64_t, std::int64_t, const float*);        \
  template void accumulate_binary<T>(float*, const T*, const float*, std::int64_t, const float*);
MANTISSA_INSTANTIATE(float)
MANTISSA_INSTANTIATE(half)
MANTISSA_INSTANTIATE(bfloat16)
#undef MANTISSA_INSTANTIATE

}  // namespace mantissa::cpu
