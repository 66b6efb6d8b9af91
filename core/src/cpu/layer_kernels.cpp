// core/src/cpu/layer_kernels.cpp: the kernels behind layers on the CPU: bias, dropout and batch
// normalisation (declared in cpu/nn.hpp; the losses and metrics are in losses.cpp).
#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu_level.hpp"
#include "mantissa/core/cpu/convert.hpp"
#include "mantissa/core/cpu/elementwise.hpp"
#include "mantissa/core/cpu/nn.hpp"
#include "mantissa/core/parallel.hpp"
#include "mantissa/core/philox.hpp"
#include "mantissa/core/random.hpp"
#include "map_float.hpp"

namespace mantissa::cpu {

using detail::narrow;
using detail::widen;

// ---- bias -----------------------------------------------------------------------------------

// The 16-bit paths below convert whole rows with the vectorised bulk conversion
// (core/cpu/convert.hpp) and compute in float; a per-element scalar half conversion costs
// more than the arithmetic it feeds (measured: it made bias_add a quarter of a float16
// training step).

template <FloatDtype T>
void bias_add(T* y, const T* bias, std::int64_t n, std::int64_t c) {
  if constexpr (std::same_as<T, float>) {
    parallel_for(n, grain_for(n, c), [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t r = begin; r < end; ++r)
        for (std::int64_t j = 0; j < c; ++j) y[r * c + j] += bias[j];
    });
  } else {
    thread_local std::vector<float> fb_storage;  // the caller's, grown once
    fb_storage.resize(static_cast<std::size_t>(c));
    convert(bias, fb_storage.data(), fb_storage.size());
    const float* fb = fb_storage.data();  // shared with the worker threads
    // Several short rows per conversion (a CNN's rows are its 32 or 64 channels): a call of
    // the bulk conversion costs about as much as converting 16 values.
    const std::int64_t group = std::max<std::int64_t>(1, 512 / c);
    parallel_for(n, grain_for(n, c), [&](std::int64_t begin, std::int64_t end) {
      thread_local std::vector<float> rows;  // per thread, grown once
      rows.resize(static_cast<std::size_t>(group * c));
      for (std::int64_t r0 = begin; r0 < end; r0 += group) {
        const std::int64_t len = std::min(group, end - r0) * c;
        convert(y + r0 * c, rows.data(), static_cast<std::size_t>(len));
        for (std::int64_t i = 0; i < len; i += c)
          for (std::int64_t j = 0; j < c; ++j) rows[static_cast<std::size_t>(i + j)] += fb[j];
        convert(rows.data(), y + r0 * c, static_cast<std::size_t>(len));
      }
    });
  }
}

template <FloatDtype T>
void bias_grad(float* dbias, const T* dy, std::int64_t n, std::int64_t c, bool accumulate) {
  // Fixed chunks of rows, each summed into its own float partial, then the partials added in
  // chunk order: parallel, yet the same additions in the same order for any thread count.
  constexpr std::int64_t kRows = kBiasRows;  // cpu/elementwise.hpp: shared with the fused pass
  const std::int64_t chunks = (n + kRows - 1) / kRows;
  thread_local std::vector<float> partial;  // grows once, then reused: no allocation per step
  partial.assign(static_cast<std::size_t>(chunks * c), 0.0f);
  float* part = partial.data();
  parallel_for(chunks, n * c > (1 << 15) ? 1 : chunks, [&](std::int64_t first, std::int64_t last) {
    thread_local std::vector<float> row;  // per thread, grown once
    if constexpr (!std::same_as<T, float>) row.resize(static_cast<std::size_t>(c));
    for (std::int64_t k = first; k < last; ++k) {
      float* acc = part + k * c;
      for (std::int64_t r = k * kRows; r < std::min(n, (k + 1) * kRows); ++r) {
        const float* v;
        if constexpr (std::same_as<T, float>) {
          v = dy + r * c;
        } else {
          convert(dy + r * c, row.data(), row.size());
          v = row.data();
        }
        for (std::int64_t j = 0; j < c; ++j) acc[j] += v[j];
      }
    }
  });
  if (!accumulate) std::fill(dbias, dbias + c, 0.0f);
  for (std::int64_t k = 0; k < chunks; ++k)
    for (std::int64_t j = 0; j < c; ++j) dbias[j] += part[k * c + j];
}

// ---- dropout and batch normalisation --------------------------------------------------------

template <FloatDtype T>
void dropout(T* y, const T* x, std::int64_t n, float rate, std::uint64_t seed,
             std::uint64_t offset) {
  const Generator g(seed, offset);
  const float scale = 1.0f / (1.0f - rate);
  const std::uint32_t threshold = dropout_threshold(rate);  // philox.hpp, as on the GPU
  const std::int64_t blocks = (n + 3) / 4;
  parallel_for(blocks, grain_for(blocks, 4), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t b = first; b < last; ++b) {
      const auto r = g.block(static_cast<std::uint64_t>(b));
      for (std::int64_t j = 0; j < 4 && 4 * b + j < n; ++j) {
        const std::int64_t i = 4 * b + j;
        const bool keep = dropout_keep(r[static_cast<std::size_t>(j)], threshold);
        y[i] = narrow<T>(keep ? widen(x[i]) * scale : 0.0f);
      }
    }
  });
}

// Batch normalisation works on (m, c) arrays in fixed chunks of rows, each chunk's rows as
// float (16-bit rows converted with the bulk conversion into a per-thread buffer: a scalar
// half conversion per element made float16's BatchNorm 15x slower than float32's). The
// per-channel statistics are double per chunk, then combined in chunk order: parallel, and the
// same bits at any thread count.
namespace {

constexpr std::int64_t kBnChunkValues = 8192;  // values per chunk: 32 KB of float rows

std::int64_t bn_chunk_rows(std::int64_t c) { return std::max<std::int64_t>(1, kBnChunkValues / c); }

// Rows [r0, r0 + rows) of the (m, c) array x as float (null for a null x): x itself for
// float, else converted into this thread's buffer number Slot (two arrays at once: 0 and 1).
template <int Slot, FloatDtype T>
const float* rows_as_float(const T* x, std::int64_t r0, std::int64_t rows, std::int64_t c) {
  if (x == nullptr) return nullptr;
  if constexpr (std::same_as<T, float>) {
    return x + r0 * c;
  } else {
    thread_local std::vector<float> buf;  // per thread and slot, grown once
    buf.resize(static_cast<std::size_t>(rows * c));
    convert(x + r0 * c, buf.data(), buf.size());
    return buf.data();
  }
}

// sums[j] = the sum over the rows of f(chunk_rows_a, chunk_rows_b, i, j) (a double), for f of
// one or two (m, c) arrays read as float; per-chunk partials added in chunk order.
template <FloatDtype T, class F>
void bn_channel_sums(const T* a, const T* b, std::int64_t m, std::int64_t c, double* sums,
                     std::size_t nsums, F&& f) {
  const std::int64_t rows = bn_chunk_rows(c);
  const std::int64_t chunks = (m + rows - 1) / rows;
  const auto width = static_cast<std::int64_t>(nsums) * c;
  thread_local std::vector<double> partial;  // the caller's, grown once
  partial.assign(static_cast<std::size_t>(chunks * width), 0.0);
  double* part = partial.data();
  parallel_for(chunks, 1, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t k = first; k < last; ++k) {
      const std::int64_t r0 = k * rows, n = std::min(rows, m - r0);
      f(rows_as_float<0>(a, r0, n, c), rows_as_float<1>(b, r0, n, c), n, part + k * width);
    }
  });
  std::fill(sums, sums + width, 0.0);
  for (std::int64_t k = 0; k < chunks; ++k)
    for (std::int64_t j = 0; j < width; ++j) sums[j] += part[k * width + j];
}

// y = g(x rows as float) written back as T, chunk by chunk (g fills `out` for `n` rows).
template <FloatDtype T, class G>
void bn_map_rows(T* y, const T* x, const T* x2, std::int64_t m, std::int64_t c, G&& g) {
  const std::int64_t rows = bn_chunk_rows(c);
  const std::int64_t chunks = (m + rows - 1) / rows;
  parallel_for(chunks, 1, [&](std::int64_t first, std::int64_t last) {
    thread_local std::vector<float> out;  // per thread, grown once
    for (std::int64_t k = first; k < last; ++k) {
      const std::int64_t r0 = k * rows, n = std::min(rows, m - r0);
      const float* v = rows_as_float<0>(x, r0, n, c);
      const float* v2 = rows_as_float<1>(x2, r0, n, c);
      if constexpr (std::same_as<T, float>) {
        g(v, v2, n, y + r0 * c);
      } else {
        out.resize(static_cast<std::size_t>(n * c));
        g(v, v2, n, out.data());
        convert(out.data(), y + r0 * c, out.size());
      }
    }
  });
}

// ---- the per-chunk loops, once per CPU level ----
//
// As max pooling's and Adam's (cpu_level.hpp): baseline x86-64 does these loops two doubles or
// four floats at a time, AVX-512 eight and sixteen. The deeper CNN's first BatchNorm (64 x 32
// x 32 x 32) took 5.8-6.2 / 6.6-7.8 ms (forward / backward) in float32 and 5.4-6.2 /
// 7.8-8.9 ms in bfloat16 as baseline code, and 3.1-3.8 / 4.0-4.8 and 2.9-3.7 / 4.5-5.2 ms at
// the avx512 level (train_bench --profile, 2 interleaved runs). This file is compiled with -ffp-contract=off
// (core/CMakeLists.txt): no level fuses a * b + c, so every level gives the same bits.
[[gnu::always_inline]] inline void bn_moments_body(const float* xr, std::int64_t n,
                                                   std::int64_t c, double* mu, double* sq) {
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < c; ++j) mu[j] += xr[i * c + j];
  for (std::int64_t j = 0; j < c; ++j) mu[j] /= static_cast<double>(n);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < c; ++j) {
      const double d = xr[i * c + j] - mu[j];
      sq[j] += d * d;
    }
}
[[gnu::always_inline]] inline void bn_normalize_body(const float* xr, std::int64_t n,
                                                     std::int64_t c, const float* mean,
                                                     const float* inv_std, const float* gamma,
                                                     const float* beta, float* out) {
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < c; ++j)
      out[i * c + j] = (xr[i * c + j] - mean[j]) * inv_std[j] * gamma[j] + beta[j];
}
// acc[0, c) += dy, acc[c, 2c) += dy * (x - mean) * inv_std, in double.
[[gnu::always_inline]] inline void bn_grad_sums_body(const float* g, const float* xr,
                                                     std::int64_t n, std::int64_t c,
                                                     const float* mean, const float* inv_std,
                                                     double* acc) {
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < c; ++j) {
      const double gi = g[i * c + j];
      acc[j] += gi;
      acc[c + j] += gi * (xr[i * c + j] - mean[j]) * inv_std[j];
    }
}
// dx = gamma * inv_std / M * (M dy - sum(dy) - xhat sum(dy xhat)).
struct BnGradMap {
  const float *mean, *inv_std, *gamma, *sum_dy, *sum_dy_xhat;
  float m;
};
[[gnu::always_inline]] inline void bn_grad_map_body(const float* g, const float* xr,
                                                    std::int64_t n, std::int64_t c,
                                                    const BnGradMap& p, float* out) {
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < c; ++j) {
      const float xhat = (xr[i * c + j] - p.mean[j]) * p.inv_std[j];
      out[i * c + j] = p.gamma[j] * p.inv_std[j] / p.m *
                       (p.m * g[i * c + j] - p.sum_dy[j] - xhat * p.sum_dy_xhat[j]);
    }
}

struct BnKernels {
  void (*moments)(const float*, std::int64_t, std::int64_t, double*, double*);
  void (*normalize)(const float*, std::int64_t, std::int64_t, const float*, const float*,
                    const float*, const float*, float*);
  void (*grad_sums)(const float*, const float*, std::int64_t, std::int64_t, const float*,
                    const float*, double*);
  void (*grad_map)(const float*, const float*, std::int64_t, std::int64_t, const BnGradMap&,
                   float*);
};

#define MANTISSA_BN_LEVEL(level, attributes)                                                   \
  attributes void bn_moments_##level(const float* xr, std::int64_t n, std::int64_t c,          \
                                     double* mu, double* sq) {                                 \
    bn_moments_body(xr, n, c, mu, sq);                                                         \
  }                                                                                            \
  attributes void bn_normalize_##level(const float* xr, std::int64_t n, std::int64_t c,        \
                                       const float* mean, const float* inv_std,                \
                                       const float* gamma, const float* beta, float* out) {    \
    bn_normalize_body(xr, n, c, mean, inv_std, gamma, beta, out);                              \
  }                                                                                            \
  attributes void bn_grad_sums_##level(const float* g, const float* xr, std::int64_t n,        \
                                       std::int64_t c, const float* mean,                      \
                                       const float* inv_std, double* acc) {                    \
    bn_grad_sums_body(g, xr, n, c, mean, inv_std, acc);                                        \
  }                                                                                            \
  attributes void bn_grad_map_##level(const float* g, const float* xr, std::int64_t n,         \
                                      std::int64_t c, const BnGradMap& p, float* out) {        \
    bn_grad_map_body(g, xr, n, c, p, out);                                                     \
  }                                                                                            \
  constexpr BnKernels kBn_##level{bn_moments_##level, bn_normalize_##level,                     \
                                  bn_grad_sums_##level, bn_grad_map_##level};
MANTISSA_BN_LEVEL(baseline, )
#if MANTISSA_CPU_LEVELS
MANTISSA_BN_LEVEL(avx2, __attribute__((target("avx2,fma,f16c"))))
MANTISSA_BN_LEVEL(avx512, __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq"))))
#endif
#undef MANTISSA_BN_LEVEL

const BnKernels& bn_kernels() {
#if MANTISSA_CPU_LEVELS
  switch (detail::cpu_level()) {
    case detail::CpuLevel::amx:
    case detail::CpuLevel::avx512_bf16:
    case detail::CpuLevel::avx512: return kBn_avx512;
    case detail::CpuLevel::avx2: return kBn_avx2;
    case detail::CpuLevel::scalar: break;
  }
#endif
  return kBn_baseline;
}

// The per-channel mean and sum of squared deviations (m2) of the (m, c) array x, in double:
// each chunk's own, then the chunks combined in chunk order.
template <FloatDtype T>
void bn_moments(const T* x, std::int64_t m, std::int64_t c, double* mean, double* m2) {
  const std::int64_t rows = bn_chunk_rows(c);
  const std::int64_t chunks = (m + rows - 1) / rows;
  thread_local std::vector<double> partial;  // the caller's: per chunk, c means then c m2s
  partial.assign(static_cast<std::size_t>(chunks * 2 * c), 0.0);
  double* part = partial.data();
  const auto moments = bn_kernels().moments;
  parallel_for(chunks, 1, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t k = first; k < last; ++k) {
      const std::int64_t r0 = k * rows, n = std::min(rows, m - r0);
      double* mu = part + k * 2 * c;
      moments(rows_as_float<0>(x, r0, n, c), n, c, mu, mu + c);
    }
  });
  std::copy(part, part + c, mean);
  std::copy(part + c, part + 2 * c, m2);
  double count = static_cast<double>(std::min(rows, m));
  for (std::int64_t k = 1; k < chunks; ++k) {
    const double nk = static_cast<double>(std::min(rows, m - k * rows));
    const double total = count + nk;
    const double* mu = part + k * 2 * c;
    for (std::int64_t j = 0; j < c; ++j) {
      const double delta = mu[j] - mean[j];
      mean[j] += delta * (nk / total);
      m2[j] += mu[c + j] + delta * delta * (count * nk / total);
    }
    count = total;
  }
}

}  // namespace

template <FloatDtype T>
void batchnorm_forward(T* y, const T* x, std::int64_t m, std::int64_t c, const float* gamma,
                       const float* beta, float* mean, float* inv_std, float* running_mean,
                       float* running_var, float momentum, float epsilon, bool training) {
  const auto uc = static_cast<std::size_t>(c);
  if (training) {
    // Per chunk of rows (read and converted once): the mean and the centred sum of squares
    // in double, two passes over the chunk in cache (no cancellation from E[x^2] - E[x]^2
    // on large activations); the chunks combined in order (Chan et al.'s pairwise update).
    std::vector<double> s(uc), v(uc);
    bn_moments(x, m, c, s.data(), v.data());
    for (std::int64_t j = 0; j < c; ++j) {
      const double var = v[j] / static_cast<double>(m);  // biased, used to normalise
      mean[j] = static_cast<float>(s[j]);
      inv_std[j] = static_cast<float>(1.0 / std::sqrt(var + epsilon));
      const double unbiased = m > 1 ? v[j] / static_cast<double>(m - 1) : var;
      running_mean[j] = momentum * running_mean[j] + (1.0f - momentum) * mean[j];
      running_var[j] = momentum * running_var[j] + (1.0f - momentum) * static_cast<float>(unbiased);
    }
  } else {
    for (std::int64_t j = 0; j < c; ++j) {
      mean[j] = running_mean[j];
      inv_std[j] = 1.0f / std::sqrt(running_var[j] + epsilon);
    }
  }
  const auto normalize = bn_kernels().normalize;
  bn_map_rows(y, x, static_cast<const T*>(nullptr), m, c,
              [=](const float* xr, const float*, std::int64_t n, float* out) {
                normalize(xr, n, c, mean, inv_std, gamma, beta, out);
              });
}

template <FloatDtype T>
void batchnorm_backward(T* dx, float* dgamma, float* dbeta, const T* dy, const T* x,
                        std::int64_t m, std::int64_t c, const float* gamma, const float* mean,
                        const float* inv_std, bool accumulate) {
  // sums[0, c): sum(dy); sums[c, 2c): sum(dy * xhat), xhat in float as before.
  std::vector<double> sums(static_cast<std::size_t>(2 * c));
  const BnKernels& kernels = bn_kernels();
  bn_channel_sums(dy, x, m, c, sums.data(), 2,
                  [=, sums_of = kernels.grad_sums](const float* g, const float* xr,
                                                   std::int64_t n, double* acc) {
                    sums_of(g, xr, n, c, mean, inv_std, acc);
                  });
  const double* sg = sums.data();
  const double* sgx = sums.data() + c;
  for (std::int64_t j = 0; j < c; ++j) {
    dbeta[j] = static_cast<float>(sg[j]) + (accumulate ? dbeta[j] : 0.0f);
    dgamma[j] = static_cast<float>(sgx[j]) + (accumulate ? dgamma[j] : 0.0f);
  }
  if (!dx) return;
  // dx = gamma * inv_std / M * (M dy - sum(dy) - xhat sum(dy xhat))
  const auto fm = static_cast<float>(m);
  std::vector<float> fsg(static_cast<std::size_t>(c)), fsgx(static_cast<std::size_t>(c));
  for (std::int64_t j = 0; j < c; ++j) {
    fsg[j] = static_cast<float>(sg[j]);
    fsgx[j] = static_cast<float>(sgx[j]);
  }
  const BnGradMap p{mean, inv_std, gamma, fsg.data(), fsgx.data(), fm};
  bn_map_rows(dx, dy, x, m, c,
              [&p, c, map = kernels.grad_map](const float* g, const float* xr, std::int64_t n,
                                              float* out) { map(g, xr, n, c, p, out); });
}

#define MANTISSA_INSTANTIATE(T)                                                                \
  template void bias_add<T>(T*, const T*, std::int64_t, std::int64_t);                         \
  template void bias_grad<T>(float*, const T*, std::int64_t, std::int64_t, bool);              \
  template void dropout<T>(T*, const T*, std::int64_t, float, std::uint64_t, std::uint64_t);   \
  template void batchnorm_forward<T>(T*, const T*, std::int64_t, std::int64_t, const float*,   \
                                     const float*, float*, float*, float*, float*, float,      \
                                     float, bool);                                             \
  template void batchnorm_backward<T>(T*, float*, float*, const T*, const T*, std::int64_t,    \
                                      std::int64_t, const float*, const float*, const float*,  \
                                      bool);
MANTISSA_INSTANTIATE(float)
MANTISSA_INSTANTIATE(half)
MANTISSA_INSTANTIATE(bfloat16)
#undef MANTISSA_INSTANTIATE

}  // namespace mantissa::cpu
