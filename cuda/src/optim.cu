// cuda/src/optim.cu: the numerics checks and fused optimizer updates over the flat float32
// arenas on the GPU, with the semantics of core/src/cpu/numerics.cpp and optim.cpp.
//
// Each update is one pass per element in the CPU's float32 arithmetic order, every product
// and sum rounded on its own (see mul_rn), with the step's scalars (bias corrections) computed
// on the host as the CPU computes them: the masters match the CPU's bit for bit where the
// device's sqrt and division are IEEE (nvcc's defaults). Counts of non-finite values go
// through integer atomics (exact, so order-free); the gradient norm is a tree of passes in
// double (the CPU sums in double too), and whether to clip is decided and applied on the device.
#include <cmath>
#include <concepts>
#include <cstdint>

#include "launch.hpp"
#include "mantissa/core/backend_cuda.hpp"
#include "mantissa/core/half.hpp"

namespace mantissa {

namespace cuda {
namespace {

template <class T>
MANTISSA_HD inline void write_compute(T* compute, std::int64_t i, float w) {
  // As the CPU: a float32 policy has no compute copy to write.
  if constexpr (!std::same_as<T, float>) compute[i] = T(w);
  else (void)compute, (void)i, (void)w;
}

// ---- non-finite counts ----

struct ZeroPair {
  std::int64_t *a, *b;
  std::int64_t b_value;
  MANTISSA_HD void operator()(std::int64_t) const {
    *a = 0;
    *b = b_value;
  }
};

template <class T>
struct CountNonfinite {
  const T* x;
  std::int64_t *inf, *nan;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const float v = static_cast<float>(x[i]);
    if (std::isinf(v)) atomic_add(inf, std::int64_t{1});
    if (std::isnan(v)) atomic_add(nan, std::int64_t{1});
  }
};

// found[0]: how many results are not finite; found[1]: the lowest such index (n if none).
struct UnscaleAndCheck {
  float* g;
  std::int64_t* found;
  float inv_scale;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const float v = g[i] * inv_scale;
    g[i] = v;
    if (!std::isfinite(v)) {
      atomic_add(found, std::int64_t{1});
      atomic_min(found + 1, i);
    }
  }
};

// Folds this call's findings into the step status as the CPU does.
struct RecordNonfinite {
  StepStatus* status;
  const std::int64_t* found;
  MANTISSA_HD void operator()(std::int64_t) const {
    if (found[0] == 0) return;
    status->nonfinite += found[0];
    if (status->first_nonfinite < 0 || found[1] < status->first_nonfinite)
      status->first_nonfinite = found[1];
  }
};

template <class T>
struct ConvertScaled {
  const float* src;
  T* dst;
  float scale;
  MANTISSA_HD void operator()(std::int64_t i) const { dst[i] = T(src[i] * scale); }
};

// ---- gradient norm ----

// A tree of passes in double, each summing its inputs in a fixed order (so the norm has fixed
// bits), each wide enough to fill the GPU: a few passes instead of two, because a second pass
// over a thousand partials leaves the first with a thousand threads walking the whole arena.
constexpr std::int64_t kFanIn = 256;     // inputs per partial in every pass
constexpr std::int64_t kLeaves = 1 << 16;  // the most first-pass partials

// part[k] = the sum of g[i]^2 over i = k, k + count, k + 2 count, ...: interleaved, so that
// the threads of a warp read consecutive elements.
struct SquaresPartial {
  double* part;
  const float* g;
  std::int64_t n, count;
  MANTISSA_HD void operator()(std::int64_t k) const {
    double s = 0.0;
    for (std::int64_t i = k; i < n; i += count) s += static_cast<double>(g[i]) * g[i];
    part[k] = s;
  }
};

// out[k] = the sum of in[k * kFanIn .. (k + 1) * kFanIn), in order.
struct SumRuns {
  double* out;
  const double* in;
  std::int64_t n;
  MANTISSA_HD void operator()(std::int64_t k) const {
    double s = 0.0;
    const std::int64_t end = (k + 1) * kFanIn < n ? (k + 1) * kFanIn : n;
    for (std::int64_t i = k * kFanIn; i < end; ++i) s += in[i];
    out[k] = s;
  }
};

// *norm; clip[0] = 1 when g is to be scaled (the norm is finite and above max_norm), 0 when
// it is left as it is; clip[1] = the factor.
struct NormFinish {
  float *norm, *clip;
  const double* part;  // the last pass's partials: one, or none for an empty arena
  std::int64_t count;
  float max_norm;
  MANTISSA_HD void operator()(std::int64_t) const {
    double sq = 0.0;
    for (std::int64_t k = 0; k < count; ++k) sq += part[k];
    const auto total = static_cast<float>(std::sqrt(sq));
    *norm = total;
    const bool scale = std::isfinite(total) && total > max_norm;
    clip[0] = scale ? 1.0f : 0.0f;
    clip[1] = scale ? max_norm / (total + 1e-6f) : 1.0f;
  }
};

struct ApplyClip {
  float* g;
  const float* clip;
  MANTISSA_HD void operator()(std::int64_t i) const {
    if (clip[0] != 0.0f) g[i] *= clip[1];
  }
};

// ---- updates ----

template <class T>
struct SgdUpdate {
  float *w, *buf;
  const float* grad;
  T* compute;
  SgdParams p;
  MANTISSA_HD void operator()(std::int64_t i) const {
    float g = add_rn(grad[i], mul_rn(p.weight_decay, w[i]));
    if (p.momentum != 0.0f) {
      buf[i] = add_rn(mul_rn(p.momentum, buf[i]), g);
      g = p.nesterov ? add_rn(g, mul_rn(p.momentum, buf[i])) : buf[i];
    }
    w[i] = sub_rn(w[i], mul_rn(p.lr, g));
    if (compute) write_compute(compute, i, w[i]);
  }
};

template <class T>
struct AdamUpdate {
  float *w, *m, *v;
  const float* grad;
  T* compute;
  AdamParams p;
  float step_size, inv_sqrt_c2;  // lr / (1 - beta1^t), 1 / sqrt(1 - beta2^t)
  MANTISSA_HD void operator()(std::int64_t i) const {
    float g = grad[i];
    float wi = w[i];
    if (p.decoupled) wi = sub_rn(wi, mul_rn(mul_rn(p.lr, p.weight_decay), wi));
    else g = add_rn(g, mul_rn(p.weight_decay, wi));
    const float mi = add_rn(mul_rn(p.beta1, m[i]), mul_rn(1.0f - p.beta1, g));
    const float vi = add_rn(mul_rn(p.beta2, v[i]), mul_rn(mul_rn(1.0f - p.beta2, g), g));
    m[i] = mi;
    v[i] = vi;
    // PyTorch's form: denom = sqrt(v) / sqrt(c2) + eps; w -= (lr / c1) m / denom
    wi = sub_rn(wi, mul_rn(step_size, mi) / add_rn(mul_rn(std::sqrt(vi), inv_sqrt_c2), p.eps));
    w[i] = wi;
    if (compute) write_compute(compute, i, wi);
  }
};

}  // namespace
}  // namespace cuda

template <FloatDtype T>
void Backend<Cuda>::count_nonfinite(Ctx& ctx, const T* x, std::int64_t n, std::int64_t* inf,
                                    std::int64_t* nan) {
  // No workspace here: the caller's counts may live in it.
  cuda::for_each(ctx, 1, cuda::ZeroPair{inf, nan, 0}, "count_nonfinite_zero");
  cuda::for_each(ctx, n, cuda::CountNonfinite<T>{x, inf, nan}, "count_nonfinite");
}

void Backend<Cuda>::unscale_and_check(Ctx& ctx, float* g, std::int64_t n, float inv_scale) {
  auto* found = static_cast<std::int64_t*>(ctx.workspace(2 * sizeof(std::int64_t)));
  cuda::for_each(ctx, 1, cuda::ZeroPair{found, found + 1, n}, "unscale_and_check_zero");
  cuda::for_each(ctx, n, cuda::UnscaleAndCheck{g, found, inv_scale}, "unscale_and_check");
  cuda::for_each(ctx, 1, cuda::RecordNonfinite{ctx.status(), found}, "unscale_and_check_record");
}

template <FloatDtype T>
void Backend<Cuda>::convert_scaled(Ctx& ctx, const float* src, T* dst, std::int64_t n,
                                   float scale) {
  cuda::for_each(ctx, n, cuda::ConvertScaled<T>{src, dst, scale}, "convert_scaled");
}

void Backend<Cuda>::clip_grad_norm(Ctx& ctx, float* g, std::int64_t n, float max_norm,
                                   float* norm) {
  std::int64_t count = (n + cuda::kFanIn - 1) / cuda::kFanIn;
  if (count > cuda::kLeaves) count = cuda::kLeaves;
  // Workspace: the clip flag and factor (two floats: one double's room, so the partials stay
  // aligned), then every pass's partials (count + count / kFanIn + ... < 2 count + passes).
  void* ws = ctx.workspace(static_cast<std::size_t>(2 * count + 8) * sizeof(double));
  auto* clip = static_cast<float*>(ws);
  double* part = static_cast<double*>(ws) + 1;
  cuda::for_each(ctx, count, cuda::SquaresPartial{part, g, n, count}, "clip_grad_norm_squares");
  while (count > 1) {
    const std::int64_t next = (count + cuda::kFanIn - 1) / cuda::kFanIn;
    cuda::for_each(ctx, next, cuda::SumRuns{part + count, part, count}, "clip_grad_norm_sum");
    part += count;
    count = next;
  }
  cuda::for_each(ctx, 1, cuda::NormFinish{norm, clip, part, count, max_norm},
                 "clip_grad_norm_finish");
  cuda::for_each(ctx, n, cuda::ApplyClip{g, clip}, "clip_grad_norm_apply");
}

template <FloatDtype T>
void Backend<Cuda>::sgd_update(Ctx& ctx, float* w, const float* grad, float* buf, T* compute,
                               std::int64_t n, const SgdParams& p) {
  cuda::for_each(ctx, n, cuda::SgdUpdate<T>{w, buf, grad, compute, p}, "sgd_update");
}

template <FloatDtype T>
void Backend<Cuda>::adam_update(Ctx& ctx, float* w, const float* grad, float* m, float* v,
                                T* compute, std::int64_t n, const AdamParams& p) {
  // The bias corrections on the host, in the CPU's arithmetic (double pow, rounded to float).
  const auto t = static_cast<double>(p.step);
  const auto c1 = static_cast<float>(1.0 - std::pow(static_cast<double>(p.beta1), t));
  const auto c2 = static_cast<float>(1.0 - std::pow(static_cast<double>(p.beta2), t));
  const float step_size = p.lr / c1;
  const float inv_sqrt_c2 = 1.0f / std::sqrt(c2);
  cuda::for_each(ctx, n, cuda::AdamUpdate<T>{w, m, v, grad, compute, p, step_size, inv_sqrt_c2},
                 "adam_update");
}

#define MANTISSA_CUDA_OPTIM(T)                                                                 \
  template void Backend<Cuda>::count_nonfinite<T>(Ctx&, const T*, std::int64_t, std::int64_t*, \
                                                  std::int64_t*);                              \
  template void Backend<Cuda>::convert_scaled<T>(Ctx&, const float*, T*, std::int64_t, float); \
  template void Backend<Cuda>::sgd_update<T>(Ctx&, float*, const float*, float*, T*,           \
                                             std::int64_t, const SgdParams&);                  \
  template void Backend<Cuda>::adam_update<T>(Ctx&, float*, const float*, float*, float*, T*,  \
                                              std::int64_t, const AdamParams&);
MANTISSA_CUDA_OPTIM(float)
MANTISSA_CUDA_OPTIM(half)
MANTISSA_CUDA_OPTIM(bfloat16)
#undef MANTISSA_CUDA_OPTIM

}  // namespace mantissa
