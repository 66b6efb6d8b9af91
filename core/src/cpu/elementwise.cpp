// core/src/cpu/elementwise.cpp: elementwise kernels on Eigen arrays (vectorised exp/log/tanh).
#include "mantissa/core/cpu/elementwise.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <vector>

#include "cpu_level.hpp"
#include "map_float.hpp"

namespace mantissa::cpu {

namespace {
using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;
}  // namespace

template <FloatDtype T>
void binary(BinaryOp op, const T* a, const T* b, T* out, std::int64_t n) {
  detail::map_float(a, b, out, n, [op](const float* x, const float* y, float* o, std::int64_t len) {
    CArr X(x, len), Y(y, len);
    Arr O(o, len);
    switch (op) {
      case BinaryOp::add: O = X + Y; break;
      case BinaryOp::sub: O = X - Y; break;
      case BinaryOp::mul: O = X * Y; break;
      case BinaryOp::div: O = X / Y; break;
    }
  });
}

template <FloatDtype T>
void binary_scalar(BinaryOp op, const T* a, float s, bool scalar_first, T* out, std::int64_t n) {
  detail::map_float(a, static_cast<const T*>(nullptr), out, n,
                    [=](const float* x, const float*, float* o, std::int64_t len) {
                      CArr X(x, len);
                      Arr O(o, len);
                      switch (op) {
                        case BinaryOp::add: O = X + s; break;
                        case BinaryOp::sub:
                          if (scalar_first) O = s - X;
                          else O = X - s;
                          break;
                        case BinaryOp::mul: O = X * s; break;
                        // A true quotient, not X * (1 / s): 1 / s rounds first.
                        case BinaryOp::div:
                          if (scalar_first) O = s / X;
                          else O = X / s;
                          break;
                      }
                    });
}

namespace {
// Row-wise softmax (rows, cols) in T, computed in float and rounded once.
template <FloatDtype T>
void softmax_rows(T* y, const T* x, std::int64_t n, std::int64_t c) {
  parallel_for(n, grain_for(n, 3 * c), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t r = first; r < last; ++r) {
      const T* z = x + r * c;
      T* out = y + r * c;
      float m = -std::numeric_limits<float>::infinity();
      for (std::int64_t j = 0; j < c; ++j) m = std::max(m, detail::widen(z[j]));
      float s = 0.0f;  // max subtracted: every exp is in (0, 1], the sum in [1, c]
      for (std::int64_t j = 0; j < c; ++j) s += std::exp(detail::widen(z[j]) - m);
      const float inv = 1.0f / s;
      for (std::int64_t j = 0; j < c; ++j)
        out[j] = detail::narrow<T>(std::exp(detail::widen(z[j]) - m) * inv);
    }
  });
}

// dx = y * (dy - sum_j dy_j y_j), row-wise, in float.
template <FloatDtype T>
void softmax_backward(T* dx, const T* dy, const T* y, std::int64_t n, std::int64_t c) {
  parallel_for(n, grain_for(n, 2 * c), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t r = first; r < last; ++r) {
      const T* g = dy + r * c;
      const T* p = y + r * c;
      float dot = 0.0f;
      for (std::int64_t j = 0; j < c; ++j) dot += detail::widen(g[j]) * detail::widen(p[j]);
      for (std::int64_t j = 0; j < c; ++j)
        dx[r * c + j] = detail::narrow<T>(detail::widen(p[j]) * (detail::widen(g[j]) - dot));
    }
  });
}
}  // namespace

namespace {
// ---- ReLU and the bias, once per CPU level ----
//
// As max pooling's, Adam's and BatchNorm's (cpu_level.hpp): the loops a training step runs
// over every activation of a ReLU network, vectorised at each level (baseline x86-64: four
// floats or eight 16-bit values at a time). Compare, select, add: exact at every level, so every
// level gives the same bits. (Before, as baseline code: the reference CNN's ReLU forward,
// backward and bias passes were 14 % of its float32 step, perf.)
//
// ReLU of 16-bit values works on their bits: widening is exact, and so is narrowing a value
// that was widened, so this is the float path's result bit for bit (a NaN kept as it is), at
// the cost of an integer compare instead of two conversions. Negative values (-0 excluded) lie
// in (0x8000, minus_inf], NaN with the sign set above it; y > 0 is 0 < bits <= plus_inf.
[[gnu::always_inline]] inline void ew_relu_body(const float* in, float* out, std::int64_t len) {
  // select keeps NaN (NaN < 0 is false) and -0, as PyTorch's relu.
  for (std::int64_t i = 0; i < len; ++i) out[i] = in[i] < 0.0f ? 0.0f : in[i];
}
[[gnu::always_inline]] inline void ew_relu_grad_body(const float* g, const float* v, float* d,
                                                     std::int64_t len) {
  // g[i] read whatever v[i] is: a read only when v[i] > 0 vectorises only where the ISA has
  // masked loads; for baseline x86-64 GCC 12 made it a branch per element, 6x slower on the
  // CNN's random signs. Both reads: a compare and an and.
  for (std::int64_t i = 0; i < len; ++i) {
    const float gi = g[i];
    d[i] = v[i] > 0.0f ? gi : 0.0f;
  }
}
// v[k] += bias[(j0 + k) % cols], for k < len: a partial row, whole rows, a partial row.
[[gnu::always_inline]] inline void ew_add_bias_body(float* v, const float* bias, std::int64_t j0,
                                                    std::int64_t cols, std::int64_t len) {
  std::int64_t k = 0;
  if (j0 != 0) {
    const std::int64_t head = std::min(len, cols - j0);
    for (std::int64_t j = 0; j < head; ++j) v[j] += bias[j0 + j];
    k = head;
  }
  for (; k + cols <= len; k += cols)
    for (std::int64_t j = 0; j < cols; ++j) v[k + j] += bias[j];
  for (std::int64_t j = 0; k + j < len; ++j) v[k + j] += bias[j];
}
// acc[j] += d[i * cols + j] for the len / cols rows of d, row after row.
[[gnu::always_inline]] inline void ew_row_sums_body(const float* d, std::int64_t len,
                                                    std::int64_t cols, float* acc) {
  for (std::int64_t i = 0; i < len; i += cols)
    for (std::int64_t j = 0; j < cols; ++j) acc[j] += d[i + j];
}
// The same for bfloat16 rows, widened in the loop (a float's top half: exact).
[[gnu::always_inline]] inline void ew_row_sums_bf16_body(const std::uint16_t* d, std::int64_t len,
                                                         std::int64_t cols, float* acc) {
  for (std::int64_t i = 0; i < len; i += cols)
    for (std::int64_t j = 0; j < cols; ++j)
      acc[j] += std::bit_cast<float>(static_cast<std::uint32_t>(d[i + j]) << 16);
}
[[gnu::always_inline]] inline void ew_relu_bits_body(const std::uint16_t* in, std::uint16_t* out,
                                                     std::int64_t len, std::uint16_t minus_inf) {
  for (std::int64_t i = 0; i < len; ++i) {
    const std::uint16_t v = in[i];
    out[i] = v > 0x8000 && v <= minus_inf ? std::uint16_t{0} : v;
  }
}
[[gnu::always_inline]] inline void ew_relu_grad_bits_body(const std::uint16_t* g,
                                                          const std::uint16_t* v,
                                                          std::uint16_t* d, std::int64_t len,
                                                          std::uint16_t plus_inf) {
  for (std::int64_t i = 0; i < len; ++i) {
    const std::uint16_t vi = v[i], gi = g[i];
    d[i] = vi != 0 && vi <= plus_inf ? gi : std::uint16_t{0};
  }
}

struct EwKernels {
  void (*relu)(const float*, float*, std::int64_t);
  void (*relu_grad)(const float*, const float*, float*, std::int64_t);
  void (*add_bias)(float*, const float*, std::int64_t, std::int64_t, std::int64_t);
  void (*row_sums)(const float*, std::int64_t, std::int64_t, float*);
  void (*row_sums_bf16)(const std::uint16_t*, std::int64_t, std::int64_t, float*);
  void (*relu_bits)(const std::uint16_t*, std::uint16_t*, std::int64_t, std::uint16_t);
  void (*relu_grad_bits)(const std::uint16_t*, const std::uint16_t*, std::uint16_t*,
                         std::int64_t, std::uint16_t);
};

#define MANTISSA_EW_LEVEL(level, attributes)                                                    \
  attributes void ew_relu_##level(const float* in, float* out, std::int64_t len) {              \
    ew_relu_body(in, out, len);                                                                 \
  }                                                                                             \
  attributes void ew_relu_grad_##level(const float* g, const float* v, float* d,                \
                                       std::int64_t len) {                                      \
    ew_relu_grad_body(g, v, d, len);                                                            \
  }                                                                                             \
  attributes void ew_add_bias_##level(float* v, const float* bias, std::int64_t j0,             \
                                      std::int64_t cols, std::int64_t len) {                    \
    ew_add_bias_body(v, bias, j0, cols, len);                                                   \
  }                                                                                             \
  attributes void ew_row_sums_##level(const float* d, std::int64_t len, std::int64_t cols,      \
                                      float* acc) {                                             \
    ew_row_sums_body(d, len, cols, acc);                                                        \
  }                                                                                             \
  attributes void ew_row_sums_bf16_##level(const std::uint16_t* d, std::int64_t len,            \
                                           std::int64_t cols, float* acc) {                     \
    ew_row_sums_bf16_body(d, len, cols, acc);                                                   \
  }                                                                                             \
  attributes void ew_relu_bits_##level(const std::uint16_t* in, std::uint16_t* out,             \
                                       std::int64_t len, std::uint16_t minus_inf) {             \
    ew_relu_bits_body(in, out, len, minus_inf);                                                 \
  }                                                                                             \
  attributes void ew_relu_grad_bits_##level(const std::uint16_t* g, const std::uint16_t* v,     \
                                            std::uint16_t* d, std::int64_t len,                 \
                                            std::uint16_t plus_inf) {                           \
    ew_relu_grad_bits_body(g, v, d, len, plus_inf);                                             \
  }                                                                                             \
  constexpr EwKernels kEw_##level{ew_relu_##level,      ew_relu_grad_##level,                   \
                                  ew_add_bias_##level,  ew_row_sums_##level,                    \
                                  ew_row_sums_bf16_##level,                                     \
                                  ew_relu_bits_##level, ew_relu_grad_bits_##level};
MANTISSA_EW_LEVEL(baseline, )
#if MANTISSA_CPU_LEVELS
MANTISSA_EW_LEVEL(avx2, __attribute__((target("avx2,fma,f16c"))))
MANTISSA_EW_LEVEL(avx512, __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq"))))
#endif
#undef MANTISSA_EW_LEVEL

const EwKernels& ew() {
#if MANTISSA_CPU_LEVELS
  switch (detail::cpu_level()) {
    case detail::CpuLevel::amx:
    case detail::CpuLevel::avx512_bf16:
    case detail::CpuLevel::avx512: return kEw_avx512;
    case detail::CpuLevel::avx2: return kEw_avx2;
    case detail::CpuLevel::scalar: break;
  }
#endif
  return kEw_baseline;
}
}  // namespace

namespace {
// ReLU of 16-bit values on their bits: widening is exact, and so is narrowing a value that was
// widened, so this is the float path's result bit for bit (a NaN kept as it is), at the cost
// of an integer compare instead of two conversions. `lowest` is the bits of -inf: negative
// values (-0 excluded) lie in (0x8000, lowest], NaN with the sign set above it.
template <FloatDtype T>
constexpr std::uint16_t kMinusInf = std::same_as<T, half> ? 0xfc00 : 0xff80;
template <FloatDtype T>
constexpr std::uint16_t kPlusInf = std::same_as<T, half> ? 0x7c00 : 0x7f80;

template <FloatDtype T>
void relu_bits(T* y, const T* x, std::int64_t n) {
  const auto* in = reinterpret_cast<const std::uint16_t*>(x);
  auto* out = reinterpret_cast<std::uint16_t*>(y);
  const std::int64_t tasks = (n + detail::kParallelBlock - 1) / detail::kParallelBlock;
  parallel_for(tasks, 1, [&](std::int64_t first, std::int64_t last) {
    const std::int64_t begin = first * detail::kParallelBlock;
    const std::int64_t end = std::min(n, last * detail::kParallelBlock);
    ew().relu_bits(in + begin, out + begin, end - begin, kMinusInf<T>);
  });
}

// dx = dy where y > 0 (0 < bits <= +inf), else +0.
template <FloatDtype T>
void relu_backward_bits(T* dx, const T* dy, const T* y, std::int64_t n) {
  const auto* g = reinterpret_cast<const std::uint16_t*>(dy);
  const auto* v = reinterpret_cast<const std::uint16_t*>(y);
  auto* d = reinterpret_cast<std::uint16_t*>(dx);
  const std::int64_t tasks = (n + detail::kParallelBlock - 1) / detail::kParallelBlock;
  parallel_for(tasks, 1, [&](std::int64_t first, std::int64_t last) {
    const std::int64_t begin = first * detail::kParallelBlock;
    const std::int64_t end = std::min(n, last * detail::kParallelBlock);
    ew().relu_grad_bits(g + begin, v + begin, d + begin, end - begin, kPlusInf<T>);
  });
}
}  // namespace

namespace {
// out = f(in) over one block of floats (f elementwise: not softmax). out may be in.
void activation_block(Activation f, const float* in, float* o, std::int64_t len) {
  CArr X(in, len);
  Arr O(o, len);
  switch (f) {
    case Activation::relu: ew().relu(in, o, len); break;  // NaN and -0 kept
    // 1 / (1 + e^-x): e^-x overflows to inf for x < -88 and the
    // quotient goes to 0 cleanly; no cancellation for large |x|.
    case Activation::sigmoid: O = (1.0f + (-X).exp()).inverse(); break;
    case Activation::tanh: O = X.tanh(); break;
    case Activation::exp: O = X.exp(); break;
    case Activation::log: O = X.log(); break;
    case Activation::softmax: break;  // row-wise, in softmax_rows
  }
}

// d = g * f'(.) written with the forward output v, over one block of floats. d may be g.
void activation_backward_block(Activation f, const float* g, const float* v, float* d,
                               std::int64_t len) {
  switch (f) {
    case Activation::relu: ew().relu_grad(g, v, d, len); break;
    case Activation::sigmoid:
      for (std::int64_t i = 0; i < len; ++i) d[i] = g[i] * v[i] * (1.0f - v[i]);
      break;
    case Activation::tanh:
      for (std::int64_t i = 0; i < len; ++i) d[i] = g[i] * (1.0f - v[i] * v[i]);
      break;
    case Activation::exp:
      for (std::int64_t i = 0; i < len; ++i) d[i] = g[i] * v[i];
      break;
    case Activation::log:
      for (std::int64_t i = 0; i < len; ++i) d[i] = g[i] * std::exp(-v[i]);
      break;
    case Activation::softmax: break;  // row-wise, in softmax_backward
  }
}
}  // namespace

template <FloatDtype T>
void activation_forward(Activation f, T* y, const T* x, std::int64_t rows, std::int64_t cols) {
  if (f == Activation::softmax) return softmax_rows(y, x, rows, cols);
  if constexpr (!std::same_as<T, float>)
    if (f == Activation::relu) return relu_bits(y, x, rows * cols);
  detail::map_float(x, static_cast<const T*>(nullptr), y, rows * cols,
                    [f](const float* in, const float*, float* o, std::int64_t len) {
                      activation_block(f, in, o, len);
                    });
}

template <FloatDtype T>
void activation_backward(Activation f, T* dx, const T* dy, const T* y, std::int64_t rows,
                         std::int64_t cols) {
  if (f == Activation::softmax) return softmax_backward(dx, dy, y, rows, cols);
  if constexpr (!std::same_as<T, float>)
    if (f == Activation::relu) return relu_backward_bits(dx, dy, y, rows * cols);
  detail::map_float(dy, y, dx, rows * cols,
                    [f](const float* g, const float* v, float* d, std::int64_t len) {
                      activation_backward_block(f, g, v, d, len);
                    });
}

// ---- fused with the bias ----------------------------------------------------------------
//
// Both walk a few rows at a time (a block of about kWidenBlock values, in L1) and do there what
// the two separate passes over the whole output did, in the same order and with the same
// roundings: the same bits, one pass over memory instead of two.

namespace {
// ReLU on 16-bit bits in place (relu_bits' rule), for a block already in cache.
template <FloatDtype T>
void relu_bits_block(T* y, std::int64_t len) {
  auto* v = reinterpret_cast<std::uint16_t*>(y);
  ew().relu_bits(v, v, len, kMinusInf<T>);
}
template <FloatDtype T>
void relu_backward_bits_block(T* dx, const T* dy, const T* y, std::int64_t len) {
  ew().relu_grad_bits(reinterpret_cast<const std::uint16_t*>(dy),
                      reinterpret_cast<const std::uint16_t*>(y),
                      reinterpret_cast<std::uint16_t*>(dx), len, kPlusInf<T>);
}
// Rows per block: several short rows (a CNN's rows are its 32 or 64 channels), at least one.
inline std::int64_t rows_per_block(std::int64_t cols) {
  return std::max<std::int64_t>(1, detail::kWidenBlock / std::max<std::int64_t>(1, cols));
}
}  // namespace

template <FloatDtype T>
void bias_activation(Activation f, T* y, const T* bias, std::int64_t rows, std::int64_t cols) {
  if (!bias) return activation_forward(f, y, y, rows, cols);
  thread_local std::vector<float> fb_storage;  // the caller's, grown once
  fb_storage.resize(static_cast<std::size_t>(cols));
  if constexpr (std::same_as<T, float>) std::copy(bias, bias + cols, fb_storage.begin());
  else convert(bias, fb_storage.data(), fb_storage.size());
  const float* fb = fb_storage.data();  // shared with the worker threads
  // activation_forward's blocks exactly (map_float: tasks of kParallelBlock values, widened in
  // blocks of kWidenBlock): Eigen's vectorised exp and tanh round a block's scalar tail
  // differently, so the same blocks give the same bits. The bias goes by flat index.
  const std::int64_t n = rows * cols;
  const std::int64_t tasks = (n + detail::kParallelBlock - 1) / detail::kParallelBlock;
  parallel_for(tasks, 1, [&](std::int64_t first, std::int64_t last) {
    alignas(64) float buf[detail::kWidenBlock];
    for (std::int64_t t = first; t < last; ++t) {
      const std::int64_t task_end = std::min(n, (t + 1) * detail::kParallelBlock);
      if constexpr (std::same_as<T, float>) {
        // map_float hands a float task to the kernel whole (64 KiB, in L2): so here, so that
        // Eigen peels the same unaligned head, if any, and keeps the same vector tail.
        const std::int64_t i = t * detail::kParallelBlock, len = task_end - i;
        ew().add_bias(y + i, fb, i % cols, cols, len);
        activation_block(f, y + i, y + i, len);
      } else {
        for (std::int64_t i = t * detail::kParallelBlock; i < task_end; i += detail::kWidenBlock) {
          const std::int64_t len = std::min(detail::kWidenBlock, task_end - i);
          const auto ulen = static_cast<std::size_t>(len);
          T* out = y + i;
          float* v = buf;
          convert(out, v, ulen);
          ew().add_bias(v, fb, i % cols, cols, len);
          convert(v, out, ulen);  // y + bias, rounded as bias_add does
          if (f == Activation::relu) {
            relu_bits_block(out, len);
          } else {
            convert(out, v, ulen);
            activation_block(f, v, v, len);
            convert(v, out, ulen);
          }
        }
      }
    }
  });
}

template <FloatDtype T>
void activation_backward_bias_grad(Activation f, T* dz, const T* dy, const T* y, float* dbias,
                                   std::int64_t rows, std::int64_t cols, bool accumulate) {
  if (!dbias) return activation_backward(f, dz, dy, y, rows, cols);
  // bias_grad's order: fixed chunks of kBiasRows rows, each summed row by row into its own
  // partial, the partials added in chunk order.
  const std::int64_t chunks = (rows + kBiasRows - 1) / kBiasRows;
  thread_local std::vector<float> partial;  // grows once, then reused
  partial.assign(static_cast<std::size_t>(chunks * cols), 0.0f);
  float* part = partial.data();
  const std::int64_t group = rows_per_block(cols);
  parallel_for(chunks, rows * cols > (1 << 15) ? 1 : chunks, [&](std::int64_t first, std::int64_t last) {
    thread_local std::vector<float> fg, fv, fd;  // per thread, grown once
    const auto block = static_cast<std::size_t>(group * cols);
    fg.resize(block), fv.resize(block), fd.resize(block);
    for (std::int64_t k = first; k < last; ++k) {
      float* acc = part + k * cols;
      const std::int64_t end = std::min(rows, (k + 1) * kBiasRows);
      for (std::int64_t r0 = k * kBiasRows; r0 < end; r0 += group) {
        const std::int64_t len = std::min(group, end - r0) * cols, off = r0 * cols;
        const auto ulen = static_cast<std::size_t>(len);
        const float* d;
        if constexpr (std::same_as<T, float>) {
          activation_backward_block(f, dy + off, y + off, dz + off, len);
          d = dz + off;
        } else {
          if (f == Activation::relu) {
            relu_backward_bits_block(dz + off, dy + off, y + off, len);
          } else {
            convert(dy + off, fg.data(), ulen);
            convert(y + off, fv.data(), ulen);
            activation_backward_block(f, fg.data(), fv.data(), fd.data(), len);
            convert(fd.data(), dz + off, ulen);
          }
          if constexpr (std::same_as<T, bfloat16>) {  // widened in the sums' loop
            ew().row_sums_bf16(reinterpret_cast<const std::uint16_t*>(dz + off), len, cols, acc);
            continue;
          }
          convert(dz + off, fd.data(), ulen);  // the rounded values bias_grad would read
          d = fd.data();
        }
        ew().row_sums(d, len, cols, acc);
      }
    }
  });
  if (!accumulate) std::fill(dbias, dbias + cols, 0.0f);
  for (std::int64_t k = 0; k < chunks; ++k)
    for (std::int64_t j = 0; j < cols; ++j) dbias[j] += part[k * cols + j];
}

template <Dtype T>
void fill(T* x, T value, std::int64_t n) {
  std::fill(x, x + n, value);
}

// In 32 x 32 tiles: a tile's source rows and destination rows both stay in L1, where a plain
// double loop would stride through y a cache line per element.
template <Dtype T>
void transpose(T* y, const T* x, std::int64_t rows, std::int64_t cols) {
  constexpr std::int64_t kTile = 32;
  const std::int64_t tiles = (rows + kTile - 1) / kTile;
  parallel_for(tiles, grain_for(tiles, kTile * cols), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t i0 = first * kTile; i0 < std::min(rows, last * kTile); i0 += kTile) {
      const std::int64_t i1 = std::min(rows, i0 + kTile);
      for (std::int64_t j0 = 0; j0 < cols; j0 += kTile) {
        const std::int64_t j1 = std::min(cols, j0 + kTile);
        for (std::int64_t i = i0; i < i1; ++i)
          for (std::int64_t j = j0; j < j1; ++j) y[j * rows + i] = x[i * cols + j];
      }
    }
  });
}

#define MANTISSA_INSTANTIATE(T)                                                               \
  template void binary<T>(BinaryOp, const T*, const T*, T*, std::int64_t);                    \
  template void binary_scalar<T>(BinaryOp, const T*, float, bool, T*, std::int64_t);          \
  template void activation_forward<T>(Activation, T*, const T*, std::int64_t, std::int64_t); \
  template void activation_backward<T>(Activation, T*, const T*, const T*, std::int64_t,      \
                                       std::int64_t);                                         \
  template void bias_activation<T>(Activation, T*, const T*, std::int64_t, std::int64_t);     \
  template void activation_backward_bias_grad<T>(Activation, T*, const T*, const T*, float*, \
                                                 std::int64_t, std::int64_t, bool);
MANTISSA_INSTANTIATE(float)
MANTISSA_INSTANTIATE(half)
MANTISSA_INSTANTIATE(bfloat16)
#undef MANTISSA_INSTANTIATE

template void fill<float>(float*, float, std::int64_t);
template void fill<half>(half*, half, std::int64_t);
template void fill<bfloat16>(bfloat16*, bfloat16, std::int64_t);
template void fill<std::int32_t>(std::int32_t*, std::int32_t, std::int64_t);
template void fill<std::uint8_t>(std::uint8_t*, std::uint8_t, std::int64_t);
template void transpose<float>(float*, const float*, std::int64_t, std::int64_t);
template void transpose<half>(half*, const half*, std::int64_t, std::int64_t);
template void transpose<bfloat16>(bfloat16*, const bfloat16*, std::int64_t, std::int64_t);
template void transpose<std::int32_t>(std::int32_t*, const std::int32_t*, std::int64_t,
                                      std::int64_t);
template void transpose<std::uint8_t>(std::uint8_t*, const std::uint8_t*, std::int64_t,
                                      std::int64_t);

}  // namespace mantissa::cpu
