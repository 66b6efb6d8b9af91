// cuda/src/elementwise.cu: fill, binary ops, activations and casts on the GPU; and the
// compile-time proof that mantissa's 2-byte dtypes are layout-compatible with CUDA's.
//
// Each element is widened to float, computed in float and rounded once, as the CPU's
// map_float does, so add / sub / mul, relu and the casts give the CPU's bits; the
// transcendental functions (exp, log, tanh) are CUDA's, which may differ from Eigen's
// vectorised ones in the last bit. Softmax runs one thread per row, in the CPU's order.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <limits>

#include "launch.hpp"
#include "mantissa/core/backend_cuda.hpp"
#include "mantissa/core/cpu/convert.hpp"  // detail::throw_cast_range: the CPU's error text
#include "mantissa/core/half.hpp"
#include "rows.hpp"

static_assert(sizeof(mantissa::half) == sizeof(__half) && alignof(mantissa::half) == alignof(__half),
              "mantissa::half must be layout-compatible with __half");
static_assert(sizeof(mantissa::bfloat16) == sizeof(__nv_bfloat16) &&
                  alignof(mantissa::bfloat16) == alignof(__nv_bfloat16),
              "mantissa::bfloat16 must be layout-compatible with __nv_bfloat16");

namespace mantissa {

namespace cuda {
namespace {

template <class T>
struct Fill {
  T* x;
  T value;
  MANTISSA_HD void operator()(std::int64_t i) const { x[i] = value; }
};

MANTISSA_HD inline float apply(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::add: return a + b;
    case BinaryOp::sub: return a - b;
    case BinaryOp::mul: return a * b;
    case BinaryOp::div: return a / b;  // IEEE: nvcc's default -prec-div=true, as the CPU's
  }
  return a * b;  // unreachable: every BinaryOp is a case above
}

template <class T>
struct Binary {
  BinaryOp op;
  const T* a;
  const T* b;
  T* out;
  MANTISSA_HD void operator()(std::int64_t i) const {
    out[i] = narrow<T>(apply(op, widen(a[i]), widen(b[i])));
  }
};

template <class T>
struct BinaryScalar {
  BinaryOp op;
  const T* a;
  float s;
  bool scalar_first;
  T* out;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const float x = widen(a[i]);
    out[i] = narrow<T>(scalar_first ? apply(op, s, x) : apply(op, x, s));
  }
};

// The elementwise activations, as core/src/cpu/elementwise.cpp writes them.
MANTISSA_HD inline float activate(Activation f, float x) {
  switch (f) {
    case Activation::relu: return x < 0.0f ? 0.0f : x;  // keeps NaN and -0, as the CPU
    case Activation::sigmoid: return 1.0f / (1.0f + std::exp(-x));
    case Activation::tanh: return std::tanh(x);
    case Activation::exp: return std::exp(x);
    case Activation::log: return std::log(x);
    case Activation::softmax: break;  // row-wise: SoftmaxRows
  }
  return x;
}

// dx from dy (g) and the forward output (v): vocabulary.hpp's derivatives.
MANTISSA_HD inline float derivative(Activation f, float g, float v) {
  switch (f) {
    case Activation::relu: return v > 0.0f ? g : 0.0f;
    case Activation::sigmoid: return g * v * (1.0f - v);
    case Activation::tanh: return g * (1.0f - v * v);
    case Activation::exp: return g * v;
    case Activation::log: return g * std::exp(-v);
    case Activation::softmax: break;  // row-wise: SoftmaxBackwardRows
  }
  return g;
}

template <class T>
struct Activate {
  Activation f;
  T* y;
  const T* x;
  MANTISSA_HD void operator()(std::int64_t i) const { y[i] = narrow<T>(activate(f, widen(x[i]))); }
};

template <class T>
struct ActivateBackward {
  Activation f;
  T* dx;
  const T* dy;
  const T* y;
  MANTISSA_HD void operator()(std::int64_t i) const {
    dx[i] = narrow<T>(derivative(f, widen(dy[i]), widen(y[i])));
  }
};

// One row r of (rows, cols): y = e^(x - max) / sum, exp recomputed for the output as the CPU does.
template <class T>
struct SoftmaxRows {
  T* y;
  const T* x;
  std::int64_t cols;
  MANTISSA_HD void operator()(std::int64_t r) const {
    const T* z = x + r * cols;
    T* out = y + r * cols;
    const ShiftedExpSum e = shifted_exp_sum(z, cols, nullptr);
    const float inv = 1.0f / e.sum;
    for (std::int64_t j = 0; j < cols; ++j)
      out[j] = narrow<T>(std::exp(widen(z[j]) - e.max) * inv);
  }
};

// dx = y * (dy - <dy, y>) for one row; the dot product in float, in order.
template <class T>
struct SoftmaxBackwardRows {
  T* dx;
  const T* dy;
  const T* y;
  std::int64_t cols;
  MANTISSA_HD void operator()(std::int64_t r) const {
    const T* g = dy + r * cols;
    const T* p = y + r * cols;
    float dot = 0.0f;
    for (std::int64_t j = 0; j < cols; ++j) dot += widen(g[j]) * widen(p[j]);
    for (std::int64_t j = 0; j < cols; ++j)
      dx[r * cols + j] = narrow<T>(widen(p[j]) * (widen(g[j]) - dot));
  }
};

// convert_scalar: round to nearest even into 16-bit floats (half.hpp's integer code, so the
// CPU's bits), C++ conversion between integers and from integers.
template <class To, class From>
struct Convert {
  const From* src;
  To* dst;
  MANTISSA_HD void operator()(std::int64_t i) const { dst[i] = convert_scalar<To>(src[i]); }
};

// Floating -> integer: truncation where the value is in range (lo, hi); elsewhere (NaN, inf,
// out of range) nothing is written and the lowest such index is kept in *first_bad.
template <class To, class From>
struct ConvertChecked {
  const From* src;
  To* dst;
  float lo, hi;
  std::int64_t* first_bad;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const float v = static_cast<float>(src[i]);
    if (v > lo && v < hi) dst[i] = static_cast<To>(v);
    else atomic_min(first_bad, i);
  }
};

// One thread per output element, reading x with a stride of cols: simple, and a transpose is
// not part of a training step (a tiled shared-memory kernel would be the fast one).
template <class T>
struct Transpose {
  T* y;
  const T* x;
  std::int64_t rows, cols;
  MANTISSA_HD void operator()(std::int64_t o) const {
    const std::int64_t j = o / rows, i = o % rows;  // y (cols, rows): row j, column i
    y[o] = x[i * cols + j];
  }
};

struct SetInt64 {
  std::int64_t* p;
  std::int64_t value;
  MANTISSA_HD void operator()(std::int64_t) const { *p = value; }
};

}  // namespace
}  // namespace cuda

template <Dtype T>
void Backend<Cuda>::fill(Ctx& ctx, T* x, T value, std::int64_t n) {
  cuda::for_each(ctx, n, cuda::Fill<T>{x, value}, "fill");
}

template <FloatDtype T>
void Backend<Cuda>::binary(Ctx& ctx, BinaryOp op, const T* a, const T* b, T* out,
                           std::int64_t n) {
  cuda::for_each(ctx, n, cuda::Binary<T>{op, a, b, out}, "binary");
}

template <FloatDtype T>
void Backend<Cuda>::binary_scalar(Ctx& ctx, BinaryOp op, const T* a, float s, bool scalar_first,
                                  T* out, std::int64_t n) {
  cuda::for_each(ctx, n, cuda::BinaryScalar<T>{op, a, s, scalar_first, out}, "binary_scalar");
}

template <FloatDtype T>
void Backend<Cuda>::activation_forward(Ctx& ctx, Activation f, T* y, const T* x,
                                       std::int64_t rows, std::int64_t cols) {
  if (f == Activation::softmax)
    return cuda::for_each(ctx, rows, cuda::SoftmaxRows<T>{y, x, cols}, "softmax");
  cuda::for_each(ctx, rows * cols, cuda::Activate<T>{f, y, x}, "activation_forward");
}

template <FloatDtype T>
void Backend<Cuda>::activation_backward(Ctx& ctx, Activation f, T* dx, const T* dy, const T* y,
                                        std::int64_t rows, std::int64_t cols) {
  if (f == Activation::softmax)
    return cuda::for_each(ctx, rows, cuda::SoftmaxBackwardRows<T>{dx, dy, y, cols},
                          "softmax_backward");
  cuda::for_each(ctx, rows * cols, cuda::ActivateBackward<T>{f, dx, dy, y},
                 "activation_backward");
}

// Floating -> integer must throw the CPU's NumericsError for NaN, inf or a value out of
// range, naming the first such element: the lowest bad index comes back to the host (one
// read, which waits for the stream; integer casts are not part of a training step).
template <class To, class From>
void Backend<Cuda>::cast(Ctx& ctx, const From* src, To* dst, std::int64_t n) {
  if constexpr (FloatDtype<From> && !FloatDtype<To>) {
    if (n <= 0) return;
    auto* first_bad = static_cast<std::int64_t*>(ctx.workspace(sizeof(std::int64_t)));
    cuda::for_each(ctx, 1, cuda::SetInt64{first_bad, n}, "cast (reset)");
    const float lo = static_cast<float>(std::numeric_limits<To>::min()) - 1.0f;
    const float hi = static_cast<float>(std::numeric_limits<To>::max()) + 1.0f;
    cuda::for_each(ctx, n, cuda::ConvertChecked<To, From>{src, dst, lo, hi, first_bad}, "cast");
    std::int64_t bad = n;
    copy_bytes<Cpu, Cuda>(&bad, first_bad, sizeof bad);
    if (bad < n) {
      From value;
      copy_bytes<Cpu, Cuda>(&value, src + bad, sizeof value);
      detail::throw_cast_range(dtype_name<To>, bad, static_cast<float>(value));
    }
  } else {
    cuda::for_each(ctx, n, cuda::Convert<To, From>{src, dst}, "cast");
  }
}

template <Dtype T>
void Backend<Cuda>::transpose(Ctx& ctx, T* y, const T* x, std::int64_t rows, std::int64_t cols) {
  cuda::for_each(ctx, rows * cols, cuda::Transpose<T>{y, x, rows, cols}, "transpose");
}

#define MANTISSA_CUDA_FILL(T)                                                  \
  template void Backend<Cuda>::fill<T>(Ctx&, T*, T, std::int64_t);             \
  template void Backend<Cuda>::transpose<T>(Ctx&, T*, const T*, std::int64_t, \
                                            std::int64_t);
MANTISSA_CUDA_FILL(float)
MANTISSA_CUDA_FILL(half)
MANTISSA_CUDA_FILL(bfloat16)
MANTISSA_CUDA_FILL(std::int32_t)
MANTISSA_CUDA_FILL(std::uint8_t)
#undef MANTISSA_CUDA_FILL

#define MANTISSA_CUDA_ELEMENTWISE(T)                                                          \
  template void Backend<Cuda>::binary<T>(Ctx&, BinaryOp, const T*, const T*, T*,              \
                                         std::int64_t);                                       \
  template void Backend<Cuda>::binary_scalar<T>(Ctx&, BinaryOp, const T*, float, bool, T*,    \
                                                std::int64_t);                                \
  template void Backend<Cuda>::activation_forward<T>(Ctx&, Activation, T*, const T*,          \
                                                     std::int64_t, std::int64_t);             \
  template void Backend<Cuda>::activation_backward<T>(Ctx&, Activation, T*, const T*,         \
                                                      const T*, std::int64_t, std::int64_t);
MANTISSA_CUDA_ELEMENTWISE(float)
MANTISSA_CUDA_ELEMENTWISE(half)
MANTISSA_CUDA_ELEMENTWISE(bfloat16)
#undef MANTISSA_CUDA_ELEMENTWISE

// Every pair of dtypes, as cast<To>(x) admits.
#define MANTISSA_CUDA_CAST(To, From) \
  template void Backend<Cuda>::cast<To, From>(Ctx&, const From*, To*, std::int64_t);
#define MANTISSA_CUDA_CAST_FROM(From)  \
  MANTISSA_CUDA_CAST(float, From)      \
  MANTISSA_CUDA_CAST(half, From)       \
  MANTISSA_CUDA_CAST(bfloat16, From)   \
  MANTISSA_CUDA_CAST(std::int32_t, From) \
  MANTISSA_CUDA_CAST(std::uint8_t, From)
MANTISSA_CUDA_CAST_FROM(float)
MANTISSA_CUDA_CAST_FROM(half)
MANTISSA_CUDA_CAST_FROM(bfloat16)
MANTISSA_CUDA_CAST_FROM(std::int32_t)
MANTISSA_CUDA_CAST_FROM(std::uint8_t)
#undef MANTISSA_CUDA_CAST_FROM
#undef MANTISSA_CUDA_CAST

}  // namespace mantissa
