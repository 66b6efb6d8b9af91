// core/src/cpu/optim.cpp: fused SGD / Adam / AdamW updates and the gradient-norm helpers.
#include "mantissa/core/cpu/optim.hpp"

#include <algorithm>
#include <cmath>

#include "cpu_level.hpp"
#include "mantissa/core/cpu/convert.hpp"
#include "map_float.hpp"
#include "mantissa/core/parallel.hpp"

namespace mantissa::cpu {

// The updates run in blocks: the float32 update of a block, then one vectorised narrowing
// of that block into the compute copy (still one pass over memory: the block is in L1).
template <class T, class F>
void blocked(std::int64_t n, const float* w, T* compute, F update) {
  const std::int64_t blocks = (n + detail::kWidenBlock - 1) / detail::kWidenBlock;
  parallel_for(blocks, grain_for(blocks, detail::kWidenBlock), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t b = first; b < last; ++b) {
      const std::int64_t begin = b * detail::kWidenBlock;
      const std::int64_t end = std::min(n, begin + detail::kWidenBlock);
      update(begin, end);
      if constexpr (!std::same_as<T, float>)
        convert(w + begin, compute + begin, static_cast<std::size_t>(end - begin));
    }
  });
}

template <FloatDtype T>
void sgd_update(float* w, const float* grad, float* buf, T* compute, std::int64_t n,
                const SgdParams& p) {
  blocked(n, w, compute, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      float g = grad[i] + p.weight_decay * w[i];
      if (p.momentum != 0.0f) {
        buf[i] = p.momentum * buf[i] + g;
        g = p.nesterov ? g + p.momentum * buf[i] : buf[i];
      }
      w[i] -= p.lr * g;
    }
  });
}

namespace {

// Adam on [begin, end) of the float32 weights. Always inlined into the per-level loops below.
[[gnu::always_inline]] inline void adam_range(float* w, const float* grad, float* m, float* v,
                                              std::int64_t begin, std::int64_t end,
                                              const AdamParams& p, float step_size,
                                              float inv_sqrt_c2) {
  for (std::int64_t i = begin; i < end; ++i) {
    float g = grad[i];
    if (p.decoupled) w[i] -= p.lr * p.weight_decay * w[i];
    else g += p.weight_decay * w[i];
    m[i] = p.beta1 * m[i] + (1.0f - p.beta1) * g;
    v[i] = p.beta2 * v[i] + (1.0f - p.beta2) * g * g;
    // PyTorch's form: denom = sqrt(v) / sqrt(c2) + eps; w -= (lr / c1) m / denom
    w[i] -= step_size * m[i] / (std::sqrt(v[i]) * inv_sqrt_c2 + p.eps);
  }
}

// The blocked update (as `blocked` above) once per CPU level (cpu_level.hpp): Adam's five
// streams and square root are 13 % of the optimizer phase slower as baseline SSE2 than with
// AVX2 / AVX-512 on the reference CNN (measured). Each copy updates blocks [first, last); its
// target attribute covers the row body inlined into it; a copy runs only at its level, on the
// chunks parallel_for hands out (adam_update below). With FMA the compiler contracts
// a * b + c, so the last bits of an update depend on the level, as the GEMM's do.
#define MANTISSA_ADAM_LEVEL(name, attributes)                                                 \
  template <class T>                                                                         \
  attributes void name(float* w, const float* grad, float* m, float* v, T* compute,          \
                       std::int64_t n, const AdamParams& p, float step_size,                 \
                       float inv_sqrt_c2, std::int64_t first, std::int64_t last) {            \
    for (std::int64_t b = first; b < last; ++b) {                                            \
      const std::int64_t begin = b * detail::kWidenBlock;                                    \
      const std::int64_t end = std::min(n, begin + detail::kWidenBlock);                     \
      adam_range(w, grad, m, v, begin, end, p, step_size, inv_sqrt_c2);                      \
      if constexpr (!std::same_as<T, float>)                                                 \
        convert(w + begin, compute + begin, static_cast<std::size_t>(end - begin));          \
    }                                                                                        \
  }
MANTISSA_ADAM_LEVEL(adam_baseline, )
#if MANTISSA_CPU_LEVELS
MANTISSA_ADAM_LEVEL(adam_avx2, __attribute__((target("avx2,fma,f16c"))))
MANTISSA_ADAM_LEVEL(adam_avx512,
                    __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq"))))
#endif
#undef MANTISSA_ADAM_LEVEL

}  // namespace

template <FloatDtype T>
void adam_update(float* w, const float* grad, float* m, float* v, T* compute, std::int64_t n,
                 const AdamParams& p) {
  const auto t = static_cast<double>(p.step);
  const auto c1 = static_cast<float>(1.0 - std::pow(static_cast<double>(p.beta1), t));
  const auto c2 = static_cast<float>(1.0 - std::pow(static_cast<double>(p.beta2), t));
  const float step_size = p.lr / c1;
  const float inv_sqrt_c2 = 1.0f / std::sqrt(c2);
  auto level = &adam_baseline<T>;
#if MANTISSA_CPU_LEVELS
  switch (detail::cpu_level()) {
    case detail::CpuLevel::amx:
    case detail::CpuLevel::avx512_bf16:
    case detail::CpuLevel::avx512: level = &adam_avx512<T>; break;
    case detail::CpuLevel::avx2: level = &adam_avx2<T>; break;
    case detail::CpuLevel::scalar: break;
  }
#endif
  const std::int64_t blocks = (n + detail::kWidenBlock - 1) / detail::kWidenBlock;
  parallel_for(blocks, grain_for(blocks, detail::kWidenBlock), [&](std::int64_t first, std::int64_t last) {
    level(w, grad, m, v, compute, n, p, step_size, inv_sqrt_c2, first, last);
  });
}

void clip_grad_norm(float* g, std::int64_t n, float max_norm, float* norm) {
  double sq = 0.0;
  for (std::int64_t i = 0; i < n; ++i) sq += static_cast<double>(g[i]) * g[i];
  const auto total = static_cast<float>(std::sqrt(sq));
  *norm = total;
  if (!(std::isfinite(total) && total > max_norm)) return;
  const float s = max_norm / (total + 1e-6f);
  for (std::int64_t i = 0; i < n; ++i) g[i] *= s;
}

#define MANTISSA_INSTANTIATE(T)                                                           \
  template void sgd_update<T>(float*, const float*, float*, T*, std::int64_t,             \
                              const SgdParams&);                                          \
  template void adam_update<T>(float*, const float*, float*, float*, T*, std::int64_t,    \
                               const AdamParams&);
MANTISSA_INSTANTIATE(float)
MANTISSA_INSTANTIATE(half)
MANTISSA_INSTANTIATE(bfloat16)
#undef MANTISSA_INSTANTIATE

}  // namespace mantissa::cpu
