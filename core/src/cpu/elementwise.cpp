// core/src/cpu/elementwise.cpp: elementwise kernels on Eigen arrays (vectorised exp/log/tanh).
#include "mantissa/core/cpu/elementwise.hpp"

#include <Eigen/Core>

#include "block_float.hpp"

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
                      }
                    });
}

template <FloatDtype T>
void unary(UnaryOp op, const T* x, T* y, std::int64_t n) {
  detail::map_float(x, static_cast<const T*>(nullptr), y, n,
                    [op](const float* in, const float*, float* o, std::int64_t len) {
                      CArr X(in, len);
                      Arr O(o, len);
                      switch (op) {
                        // select keeps NaN (NaN < 0 is false) and -0, as PyTorch's relu.
                        case UnaryOp::relu: O = (X < 0.0f).select(0.0f, X); break;
                        // 1 / (1 + e^-x): e^-x overflows to inf for x < -88 and the
                        // quotient goes to 0 cleanly; no cancellation for large |x|.
                        case UnaryOp::sigmoid: O = (1.0f + (-X).exp()).inverse(); break;
                        case UnaryOp::tanh: O = X.tanh(); break;
                        case UnaryOp::exp: O = X.exp(); break;
                        case UnaryOp::log: O = X.log(); break;
                      }
                    });
}

template <Dtype T>
void fill(T* x, T value, std::int64_t n) {
  std::fill(x, x + n, value);
}

#define MANTISSA_INSTANTIATE(T)                                                               \
  template void binary<T>(BinaryOp, const T*, const T*, T*, std::int64_t);                    \
  template void binary_scalar<T>(BinaryOp, const T*, float, bool, T*, std::int64_t);          \
  template void unary<T>(UnaryOp, const T*, T*, std::int64_t);
MANTISSA_INSTANTIATE(float)
MANTISSA_INSTANTIATE(half)
MANTISSA_INSTANTIATE(bfloat16)
#undef MANTISSA_INSTANTIATE

template void fill<float>(float*, float, std::int64_t);
template void fill<half>(half*, half, std::int64_t);
template void fill<bfloat16>(bfloat16*, bfloat16, std::int64_t);
template void fill<std::int32_t>(std::int32_t*, std::int32_t, std::int64_t);
template void fill<std::uint8_t>(std::uint8_t*, std::uint8_t, std::int64_t);

}  // namespace mantissa::cpu
