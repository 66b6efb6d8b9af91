// mantissa/core/ops.hpp: elementwise ops, reductions and fills; the one dispatch point.
//
// Two forms of every op:
//   ops::add(out, a, b)   writes into an existing tensor or view (layers use these: no
//                         allocation); out, a, b are Tensors or TensorViews;
//   a + b                 returns a new Tensor (for user code and tests).
// Each checks dtypes and devices at compile time (checks.hpp), shapes once at run time
// (ShapeError naming the op and both shapes), then calls the device's kernel, picked by the
// device in the tensor's type: cpu:: today, cuda:: when the CUDA backend defines it.
#pragma once

#include <string>
#include <type_traits>

#include "mantissa/core/checks.hpp"
#include "mantissa/core/cuda_kernels.hpp"
#include "mantissa/core/cpu/elementwise.hpp"
#include "mantissa/core/cpu/reduce.hpp"

namespace mantissa {

namespace detail {
[[noreturn]] void throw_shape_mismatch(const char* op, const Shape& a, const Shape& b);
[[noreturn]] void throw_axis_error(const char* op, int axis, const Shape& s);

inline void check_same_shape(const char* op, const Shape& a, const Shape& b) {
  if (!(a == b)) throw_shape_mismatch(op, a, b);
}

// (outer, len, inner) of a reduction over `axis`, and the result's shape (axis removed).
struct AxisSplit {
  std::int64_t outer = 1, len = 1, inner = 1;
  Shape reduced;
};
AxisSplit split_axis(const char* op, const Shape& s, int axis);
}  // namespace detail

// ---- out-parameter forms: the dispatch point ----------------------------------------------
namespace ops {

template <TensorLike O, TensorLike A, TensorLike B>
void binary(cpu::BinaryOp op, O&& out, const A& a, const B& b) {
  detail::require_same_dtype_and_device<A, B>();
  detail::require_same_dtype_and_device<O, A>();
  detail::require_writable<O>();
  detail::require_float_dtype<A>();
  detail::require_cpu<device_of<A>>();
  if constexpr (detail::compatible<A, B> && detail::compatible<O, A> && is_writable<O> &&
                FloatDtype<dtype_of<A>>) {
    detail::check_same_shape("binary op", a.shape(), b.shape());
    detail::check_same_shape("binary op (output)", out.shape(), a.shape());
    cpu::binary(op, a.data(), b.data(), out.view().data(), a.numel());
  }
}
template <TensorLike O, TensorLike A, TensorLike B>
void add(O&& out, const A& a, const B& b) { binary(cpu::BinaryOp::add, out, a, b); }
template <TensorLike O, TensorLike A, TensorLike B>
void sub(O&& out, const A& a, const B& b) { binary(cpu::BinaryOp::sub, out, a, b); }
template <TensorLike O, TensorLike A, TensorLike B>
void mul(O&& out, const A& a, const B& b) { binary(cpu::BinaryOp::mul, out, a, b); }

// out = a op s, or s op a when scalar_first. s is a float for every floating dtype: the
// scalar is part of the computation, which runs in float.
template <TensorLike O, TensorLike A>
void binary_scalar(cpu::BinaryOp op, O&& out, const A& a, float s, bool scalar_first = false) {
  detail::require_same_dtype_and_device<O, A>();
  detail::require_writable<O>();
  detail::require_float_dtype<A>();
  detail::require_cpu<device_of<A>>();
  if constexpr (detail::compatible<O, A> && is_writable<O> && FloatDtype<dtype_of<A>>) {
    detail::check_same_shape("scalar op (output)", out.shape(), a.shape());
    cpu::binary_scalar(op, a.data(), s, scalar_first, out.view().data(), a.numel());
  }
}

template <TensorLike O, TensorLike A>
void unary(cpu::UnaryOp op, O&& out, const A& x) {
  detail::require_same_dtype_and_device<O, A>();
  detail::require_writable<O>();
  detail::require_float_dtype<A>();
  detail::require_cpu<device_of<A>>();
  if constexpr (detail::compatible<O, A> && is_writable<O> && FloatDtype<dtype_of<A>>) {
    detail::check_same_shape("unary op (output)", out.shape(), x.shape());
    cpu::unary(op, x.data(), out.view().data(), x.numel());
  }
}

// x[:] = v. v is float for the floating dtypes (rounded to nearest even into 16-bit ones).
template <TensorLike X>
void fill(X&& x, accum_t<dtype_of<X>> v) {
  using T = dtype_of<X>;
  detail::require_writable<X>();
  const T value = convert_scalar<T>(v);
  if constexpr (!is_writable<X>)
    return;
  else if constexpr (std::same_as<device_of<X>, Cpu>)
    cpu::fill<T>(x.view().data(), value, x.numel());
  else
    cuda::fill(x.view().data(), &value, sizeof(T), x.numel());
}

}  // namespace ops

// ---- value-returning forms ----------------------------------------------------------------

template <TensorLike A>
using tensor_of = Tensor<dtype_of<A>, device_of<A>>;

#define MANTISSA_BINARY_OPERATOR(sym, name)                                                    \
  template <TensorLike A, TensorLike B>                                                        \
  tensor_of<A> operator sym(const A& a, const B& b) {                                          \
    detail::require_same_dtype_and_device<A, B>();                                             \
    auto out = tensor_of<A>::empty(a.shape());                                                 \
    if constexpr (detail::compatible<A, B>) ops::name(out, a, b);                              \
    return out;                                                                                \
  }                                                                                            \
  template <TensorLike A, class S>                                                             \
    requires std::is_arithmetic_v<S>                                                           \
  tensor_of<A> operator sym(const A& a, S s) {                                                 \
    auto out = tensor_of<A>::empty(a.shape());                                                 \
    ops::binary_scalar(cpu::BinaryOp::name, out, a, static_cast<float>(s));                    \
    return out;                                                                                \
  }                                                                                            \
  template <class S, TensorLike A>                                                             \
    requires std::is_arithmetic_v<S>                                                           \
  tensor_of<A> operator sym(S s, const A& a) {                                                 \
    auto out = tensor_of<A>::empty(a.shape());                                                 \
    ops::binary_scalar(cpu::BinaryOp::name, out, a, static_cast<float>(s), true);              \
    return out;                                                                                \
  }
MANTISSA_BINARY_OPERATOR(+, add)
MANTISSA_BINARY_OPERATOR(-, sub)
MANTISSA_BINARY_OPERATOR(*, mul)
#undef MANTISSA_BINARY_OPERATOR

#define MANTISSA_UNARY_FUNCTION(name)                                                          \
  template <TensorLike A>                                                                      \
  tensor_of<A> name(const A& x) {                                                              \
    auto out = tensor_of<A>::empty(x.shape());                                                 \
    ops::unary(cpu::UnaryOp::name, out, x);                                                    \
    return out;                                                                                \
  }
MANTISSA_UNARY_FUNCTION(relu)
MANTISSA_UNARY_FUNCTION(sigmoid)
MANTISSA_UNARY_FUNCTION(tanh)
MANTISSA_UNARY_FUNCTION(exp)
MANTISSA_UNARY_FUNCTION(log)
#undef MANTISSA_UNARY_FUNCTION

// ---- reductions: precision by signature ---------------------------------------------------

// Sum over one axis (negative counts from the back), accumulated and returned in float32.
template <TensorLike A>
Tensor<float, device_of<A>> sum(const A& x, int axis) {
  detail::require_float_dtype<A>();
  detail::require_cpu<device_of<A>>();
  const auto s = detail::split_axis("sum", x.shape(), axis);
  auto out = Tensor<float, device_of<A>>::empty(s.reduced);
  if constexpr (FloatDtype<dtype_of<A>>) cpu::sum(x.data(), s.outer, s.len, s.inner, out.data());
  return out;
}

// Sum of every element, as a rank-0 float32 tensor.
template <TensorLike A>
Tensor<float, device_of<A>> sum(const A& x) {
  return sum(x.view().reshape(Shape{x.numel()}), 0);
}

// Max over one axis, in the input's dtype (exact). NaN propagates.
template <TensorLike A>
tensor_of<A> max(const A& x, int axis) {
  detail::require_float_dtype<A>();
  detail::require_cpu<device_of<A>>();
  const auto s = detail::split_axis("max", x.shape(), axis);
  auto out = tensor_of<A>::empty(s.reduced);
  if constexpr (FloatDtype<dtype_of<A>>) cpu::max(x.data(), s.outer, s.len, s.inner, out.data());
  return out;
}

// Index of the max over one axis (first on ties, first NaN if any), as int32.
template <TensorLike A>
Tensor<std::int32_t, device_of<A>> argmax(const A& x, int axis) {
  detail::require_float_dtype<A>();
  detail::require_cpu<device_of<A>>();
  const auto s = detail::split_axis("argmax", x.shape(), axis);
  auto out = Tensor<std::int32_t, device_of<A>>::empty(s.reduced);
  if constexpr (FloatDtype<dtype_of<A>>)
    cpu::argmax(x.data(), s.outer, s.len, s.inner, out.data());
  return out;
}

// ---- constructors -------------------------------------------------------------------------

template <Dtype T, Device D = Cpu>
Tensor<T, D> full(Shape shape, accum_t<T> value) {
  auto t = Tensor<T, D>::empty(shape);
  ops::fill(t, value);
  return t;
}

template <Dtype T, Device D = Cpu>
Tensor<T, D> zeros(Shape shape) {
  return Tensor<T, D>(shape);
}

// 0, 1, ..., n-1 (in half, integers are exact up to 2048; above they round to even).
template <Dtype T>
Tensor<T, Cpu> arange(std::int64_t n) {
  auto t = Tensor<T, Cpu>::empty(Shape{n});
  for (std::int64_t i = 0; i < n; ++i)
    t[i] = convert_scalar<T>(static_cast<accum_t<T>>(i));
  return t;
}

}  // namespace mantissa
