// cuda/src/layers.cu: the kernels behind layers on the GPU: bias, dropout and batch
// normalisation, each with the semantics of its CPU twin in core/src/cpu/layer_kernels.cpp
// (the sliding-window kernels are in windows.cu).
//
// Where the CPU promises bits (dropout masks, bias_grad's chunks of 512 rows) the functors do the same
// additions in the same order, so the results are the CPU's bit for bit. Reductions over
// rows are two passes (per-chunk partials in the workspace, then the partials in chunk
// order): deterministic, with no float atomics.
#include <cmath>
#include <concepts>
#include <cstdint>
#include <utility>

#include "launch.hpp"
#include "mantissa/core/backend_cuda.hpp"
#include "mantissa/core/half.hpp"
#include "mantissa/core/philox.hpp"
#include "rows.hpp"

namespace mantissa {

namespace cuda {
namespace {

// ---- bias ----

template <class T>
struct BiasAdd {
  T* y;
  const T* bias;
  std::int64_t c;
  MANTISSA_HD void operator()(std::int64_t i) const {
    y[i] = narrow<T>(widen(y[i]) + widen(bias[i % c]));
  }
};

// The CPU's chunks of rows (cpu::bias_grad), so that the partials and their sum are its bits.
constexpr std::int64_t kBiasRows = 512;

// One index per (chunk k, column j): the chunk's rows summed in row order.
template <class T>
struct BiasGradPartial {
  float* part;
  const T* dy;
  std::int64_t n, c;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t k = i / c, j = i % c;
    float acc = 0.0f;
    for (std::int64_t r = k * kBiasRows; r < min64(n, (k + 1) * kBiasRows); ++r)
      acc += widen(dy[r * c + j]);
    part[i] = acc;
  }
};

struct BiasGradSum {
  float* dbias;
  const float* part;
  std::int64_t chunks, c;
  bool accumulate;
  MANTISSA_HD void operator()(std::int64_t j) const {
    float s = accumulate ? dbias[j] : 0.0f;
    for (std::int64_t k = 0; k < chunks; ++k) s += part[k * c + j];
    dbias[j] = s;
  }
};

// ---- dropout ----

// One index per Philox block: its four words decide elements 4b .. 4b + 3.
template <class T>
struct Dropout {
  T* y;
  const T* x;
  std::int64_t n;
  float scale;
  std::uint32_t threshold;
  std::uint64_t seed, offset;
  MANTISSA_HD void operator()(std::int64_t b) const {
    const PhiloxBlock r = philox_block(seed, offset + static_cast<std::uint64_t>(b));
    for (std::int64_t j = 0; j < 4 && 4 * b + j < n; ++j) {
      const std::int64_t i = 4 * b + j;
      const bool keep = dropout_keep(r.v[j], threshold);
      y[i] = narrow<T>(keep ? widen(x[i]) * scale : 0.0f);
    }
  }
};

// ---- batch normalisation ----
// Per-channel statistics in double, as the CPU: per (chunk, channel) partials over a chunk
// of rows, then the partials in chunk order per channel.

// Chunks of rows for a column reduction over (m, c): enough (chunk, column) partials to fill
// the GPU (about 2^16; a convolution's few channels over many rows would otherwise leave a
// few hundred threads walking thousands of rows each), each at least 64 rows long.
inline Chunks column_chunks(std::int64_t m, std::int64_t c) {
  const std::int64_t want = max64(1, (std::int64_t{1} << 16) / max64(c, 1));
  const std::int64_t per = max64(64, (m + want - 1) / want);
  return {m > 0 ? (m + per - 1) / per : 0, per};
}

template <class T>
struct BnSumPartial {
  double* part;
  const T* x;
  std::int64_t m, c, per;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t k = i / c, j = i % c;
    double s = 0.0;
    for (std::int64_t r = k * per; r < min64(m, (k + 1) * per); ++r) s += widen(x[r * c + j]);
    part[i] = s;
  }
};

struct BnMean {
  double* mean_d;
  const double* part;
  std::int64_t chunks, m, c;
  MANTISSA_HD void operator()(std::int64_t j) const {
    double s = 0.0;
    for (std::int64_t k = 0; k < chunks; ++k) s += part[k * c + j];
    mean_d[j] = s / static_cast<double>(m);
  }
};

// The centred squares (no cancellation from E[x^2] - E[x]^2), as the CPU's second pass.
template <class T>
struct BnVarPartial {
  double* part;
  const T* x;
  const double* mean_d;
  std::int64_t m, c, per;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t k = i / c, j = i % c;
    double v = 0.0;
    for (std::int64_t r = k * per; r < min64(m, (k + 1) * per); ++r) {
      const double d = widen(x[r * c + j]) - mean_d[j];
      v += dmul_rn(d, d);
    }
    part[i] = v;
  }
};

struct BnFinish {
  float *mean, *inv_std, *running_mean, *running_var;
  const double *part, *mean_d;
  std::int64_t chunks, m, c;
  float momentum, epsilon;
  MANTISSA_HD void operator()(std::int64_t j) const {
    double v = 0.0;
    for (std::int64_t k = 0; k < chunks; ++k) v += part[k * c + j];
    const double var = v / static_cast<double>(m);  // biased, used to normalise
    mean[j] = static_cast<float>(mean_d[j]);
    inv_std[j] = static_cast<float>(1.0 / std::sqrt(var + epsilon));
    const double unbiased = m > 1 ? v / static_cast<double>(m - 1) : var;
    running_mean[j] = add_rn(mul_rn(momentum, running_mean[j]), mul_rn(1.0f - momentum, mean[j]));
    running_var[j] = add_rn(mul_rn(momentum, running_var[j]),
                            mul_rn(1.0f - momentum, static_cast<float>(unbiased)));
  }
};

struct BnInfer {
  float *mean, *inv_std;
  const float *running_mean, *running_var;
  float epsilon;
  MANTISSA_HD void operator()(std::int64_t j) const {
    mean[j] = running_mean[j];
    inv_std[j] = 1.0f / std::sqrt(running_var[j] + epsilon);
  }
};

template <class T>
struct BnApply {
  T* y;
  const T* x;
  const float *gamma, *beta, *mean, *inv_std;
  std::int64_t c;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t j = i % c;
    y[i] = narrow<T>(
        add_rn(mul_rn(mul_rn(sub_rn(widen(x[i]), mean[j]), inv_std[j]), gamma[j]), beta[j]));
  }
};

// Backward partials: sum(dy) at part[i], sum(dy xhat) at part[chunks * c + i].
template <class T>
struct BnBackPartial {
  double* part;
  const T *dy, *x;
  const float *mean, *inv_std;
  std::int64_t m, c, per, chunks;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t k = i / c, j = i % c;
    double sg = 0.0, sgx = 0.0;
    for (std::int64_t r = k * per; r < min64(m, (k + 1) * per); ++r) {
      const double g = widen(dy[r * c + j]);
      sg += g;
      sgx += dmul_rn(dmul_rn(g, sub_rn(widen(x[r * c + j]), mean[j])), inv_std[j]);
    }
    part[i] = sg;
    part[chunks * c + i] = sgx;
  }
};

// dgamma, dbeta, and the two sums rounded to float for dx (sums[j], sums[c + j]).
struct BnBackFinish {
  float *dgamma, *dbeta, *sums;
  const double* part;
  std::int64_t chunks, c;
  bool accumulate;
  MANTISSA_HD void operator()(std::int64_t j) const {
    double sg = 0.0, sgx = 0.0;
    for (std::int64_t k = 0; k < chunks; ++k) {
      sg += part[k * c + j];
      sgx += part[chunks * c + k * c + j];
    }
    const auto fsg = static_cast<float>(sg), fsgx = static_cast<float>(sgx);
    dbeta[j] = fsg + (accumulate ? dbeta[j] : 0.0f);
    dgamma[j] = fsgx + (accumulate ? dgamma[j] : 0.0f);
    sums[j] = fsg;
    sums[c + j] = fsgx;
  }
};

// dx = gamma * inv_std / M * (M dy - sum(dy) - xhat sum(dy xhat)), in the CPU's order.
template <class T>
struct BnBackDx {
  T* dx;
  const T *dy, *x;
  const float *gamma, *mean, *inv_std, *sums;
  std::int64_t c;
  float fm;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t j = i % c;
    const float xhat = mul_rn(sub_rn(widen(x[i]), mean[j]), inv_std[j]);
    const float inner =
        sub_rn(sub_rn(mul_rn(fm, widen(dy[i])), sums[j]), mul_rn(xhat, sums[c + j]));
    dx[i] = narrow<T>(mul_rn(mul_rn(gamma[j], inv_std[j]) / fm, inner));
  }
};

}  // namespace
}  // namespace cuda

// ---- bias ----

template <FloatDtype T>
void Backend<Cuda>::bias_add(Ctx& ctx, T* y, const T* bias, std::int64_t rows, std::int64_t c) {
  cuda::for_each(ctx, rows * c, cuda::BiasAdd<T>{y, bias, c}, "bias_add");
}

template <FloatDtype T>
void Backend<Cuda>::bias_grad(Ctx& ctx, float* dbias, const T* dy, std::int64_t rows,
                              std::int64_t c, bool accumulate) {
  const std::int64_t chunks = (rows + cuda::kBiasRows - 1) / cuda::kBiasRows;
  auto* part = static_cast<float*>(
      ctx.workspace(static_cast<std::size_t>(chunks * c > 0 ? chunks * c : 1) * sizeof(float)));
  cuda::for_each(ctx, chunks * c, cuda::BiasGradPartial<T>{part, dy, rows, c}, "bias_grad");
  cuda::for_each(ctx, c, cuda::BiasGradSum{dbias, part, chunks, c, accumulate}, "bias_grad_sum");
}

// ---- dropout ----

template <FloatDtype T>
void Backend<Cuda>::dropout(Ctx& ctx, T* y, const T* x, std::int64_t n, float rate,
                            std::uint64_t seed, std::uint64_t offset) {
  const cuda::Dropout<T> f{y, x, n, 1.0f / (1.0f - rate), dropout_threshold(rate), seed, offset};
  cuda::for_each(ctx, (n + 3) / 4, f, "dropout");
}

// ---- batch normalisation ----

template <FloatDtype T>
void Backend<Cuda>::batchnorm_forward(Ctx& ctx, T* y, const T* x, std::int64_t m, std::int64_t c,
                                      const float* gamma, const float* beta, float* mean,
                                      float* inv_std, float* running_mean, float* running_var,
                                      float momentum, float epsilon, bool training) {
  if (training) {
    const cuda::Chunks ch = cuda::column_chunks(m, c);
    // Workspace: the (chunk, channel) partials, then the means in double.
    auto* part = static_cast<double*>(
        ctx.workspace(static_cast<std::size_t>((ch.count + 1) * c) * sizeof(double)));
    double* mean_d = part + ch.count * c;
    cuda::for_each(ctx, ch.count * c, cuda::BnSumPartial<T>{part, x, m, c, ch.per},
                   "batchnorm_sum");
    cuda::for_each(ctx, c, cuda::BnMean{mean_d, part, ch.count, m, c}, "batchnorm_mean");
    cuda::for_each(ctx, ch.count * c, cuda::BnVarPartial<T>{part, x, mean_d, m, c, ch.per},
                   "batchnorm_var");
    cuda::for_each(ctx, c,
                   cuda::BnFinish{mean, inv_std, running_mean, running_var, part, mean_d,
                                  ch.count, m, c, momentum, epsilon},
                   "batchnorm_finish");
  } else {
    cuda::for_each(ctx, c, cuda::BnInfer{mean, inv_std, running_mean, running_var, epsilon},
                   "batchnorm_infer");
  }
  cuda::for_each(ctx, m * c, cuda::BnApply<T>{y, x, gamma, beta, mean, inv_std, c},
                 "batchnorm_apply");
}

template <FloatDtype T>
void Backend<Cuda>::batchnorm_backward(Ctx& ctx, T* dx, float* dgamma, float* dbeta, const T* dy,
                                       const T* x, std::int64_t m, std::int64_t c,
                                       const float* gamma, const float* mean,
                                       const float* inv_std, bool accumulate) {
  const cuda::Chunks ch = cuda::column_chunks(m, c);
  // Workspace: two partials per (chunk, channel) in double, then the two sums per channel
  // rounded to float.
  const auto doubles = static_cast<std::size_t>(2 * ch.count * c);
  void* ws =
      ctx.workspace(doubles * sizeof(double) + static_cast<std::size_t>(2 * c) * sizeof(float));
  auto* part = static_cast<double*>(ws);
  auto* sums = reinterpret_cast<float*>(part + doubles);
  cuda::for_each(ctx, ch.count * c,
                 cuda::BnBackPartial<T>{part, dy, x, mean, inv_std, m, c, ch.per, ch.count},
                 "batchnorm_backward_sums");
  cuda::for_each(ctx, c, cuda::BnBackFinish{dgamma, dbeta, sums, part, ch.count, c, accumulate},
                 "batchnorm_backward_finish");
  if (!dx) return;
  cuda::for_each(ctx, m * c,
                 cuda::BnBackDx<T>{dx, dy, x, gamma, mean, inv_std, sums, c,
                                   static_cast<float>(m)},
                 "batchnorm_backward_dx");
}

// ---- instantiations ----

#define MANTISSA_CUDA_LAYERS(T)                                                                \
  template void Backend<Cuda>::bias_add<T>(Ctx&, T*, const T*, std::int64_t, std::int64_t);    \
  template void Backend<Cuda>::bias_grad<T>(Ctx&, float*, const T*, std::int64_t, std::int64_t, \
                                            bool);                                             \
  template void Backend<Cuda>::dropout<T>(Ctx&, T*, const T*, std::int64_t, float,             \
                                          std::uint64_t, std::uint64_t);                       \
  template void Backend<Cuda>::batchnorm_forward<T>(                                           \
      Ctx&, T*, const T*, std::int64_t, std::int64_t, const float*, const float*, float*,      \
      float*, float*, float*, float, float, bool);                                             \
  template void Backend<Cuda>::batchnorm_backward<T>(                                          \
      Ctx&, T*, float*, float*, const T*, const T*, std::int64_t, std::int64_t, const float*,  \
      const float*, const float*, bool);
MANTISSA_CUDA_LAYERS(float)
MANTISSA_CUDA_LAYERS(half)
MANTISSA_CUDA_LAYERS(bfloat16)
#undef MANTISSA_CUDA_LAYERS

}  // namespace mantissa
