// core/src/cpu/layer_kernels.cpp: the kernels behind layers on the CPU: bias, dropout and batch
// normalisation (declared in cpu/nn.hpp; the losses and metrics are in losses.cpp).
#include <algorithm>
#include <cmath>
#include <vector>

#include "mantissa/core/cpu/convert.hpp"
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
  constexpr std::int64_t kRows = 512;
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

template <FloatDtype T>
void batchnorm_forward(T* y, const T* x, std::int64_t m, std::int64_t c, const float* gamma,
                       const float* beta, float* mean, float* inv_std, float* running_mean,
                       float* running_var, float momentum, float epsilon, bool training) {
  if (training) {
    // Two passes in double per channel: the mean, then the centred variance (no
    // cancellation from E[x^2] - E[x]^2 on large activations).
    std::vector<double> s(static_cast<std::size_t>(c), 0.0), v(static_cast<std::size_t>(c), 0.0);
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < c; ++j) s[j] += widen(x[i * c + j]);
    for (std::int64_t j = 0; j < c; ++j) s[j] /= static_cast<double>(m);
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < c; ++j) {
        const double d = widen(x[i * c + j]) - s[j];
        v[j] += d * d;
      }
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
  parallel_for(m, grain_for(m, c), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i)
      for (std::int64_t j = 0; j < c; ++j)
        y[i * c + j] =
            narrow<T>((widen(x[i * c + j]) - mean[j]) * inv_std[j] * gamma[j] + beta[j]);
  });
}

template <FloatDtype T>
void batchnorm_backward(T* dx, float* dgamma, float* dbeta, const T* dy, const T* x,
                        std::int64_t m, std::int64_t c, const float* gamma, const float* mean,
                        const float* inv_std, bool accumulate) {
  std::vector<double> sg(static_cast<std::size_t>(c), 0.0), sgx(static_cast<std::size_t>(c), 0.0);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < c; ++j) {
      const double g = widen(dy[i * c + j]);
      sg[j] += g;
      sgx[j] += g * (widen(x[i * c + j]) - mean[j]) * inv_std[j];
    }
  for (std::int64_t j = 0; j < c; ++j) {
    dbeta[j] = static_cast<float>(sg[j]) + (accumulate ? dbeta[j] : 0.0f);
    dgamma[j] = static_cast<float>(sgx[j]) + (accumulate ? dgamma[j] : 0.0f);
  }
  if (!dx) return;
  // dx = gamma * inv_std / M * (M dy - sum(dy) - xhat sum(dy xhat))
  const auto fm = static_cast<float>(m);
  parallel_for(m, grain_for(m, c), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i)
      for (std::int64_t j = 0; j < c; ++j) {
        const float xhat = (widen(x[i * c + j]) - mean[j]) * inv_std[j];
        dx[i * c + j] = narrow<T>(gamma[j] * inv_std[j] / fm *
                                  (fm * widen(dy[i * c + j]) - static_cast<float>(sg[j]) -
                                   xhat * static_cast<float>(sgx[j])));
      }
  });
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
