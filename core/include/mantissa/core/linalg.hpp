// mantissa/core/linalg.hpp: matrix products on 2-D tensors.
//
//   ops::gemm(ctx, c, a, b, {.trans_a, .trans_b, .alpha, .beta})   c = alpha op(a) op(b) + beta c
//   matmul(a, b)                                                   a new (m, n) tensor
//   ops::transpose(ctx, y, x), transpose(x)                         y (n, m) = x (m, n)^T
//
// a and b share one dtype and device; c is of that dtype or float32 (layers write weight
// gradients of 16-bit activations straight into float32). Products accumulate in float32.
#pragma once

#include "mantissa/core/ops.hpp"

namespace mantissa {

// The output dtypes a product may be written in: the inputs' own, or float32.
template <class TC, class T>
inline constexpr bool gemm_output_ok = std::same_as<TC, T> || std::same_as<TC, float>;

namespace detail {
struct GemmDims {
  std::int64_t m, n, k;
};
// Checks ranks and inner dimensions; ShapeError names the op and all shapes.
GemmDims gemm_dims(const char* op, const Shape& a, bool ta, const Shape& b, bool tb);
void check_gemm_output(const char* op, const Shape& c, const GemmDims& d);
// (n, m) for a matrix x (m, n); ShapeError for any other rank. check_transpose: y is that.
Shape transpose_shape(const Shape& x);
void check_transpose(const Shape& y, const Shape& x);
}  // namespace detail

namespace ops {

template <Device D, TensorLike C, TensorLike A, TensorLike B>
void gemm(Context<D>& ctx, C&& c, const A& a, const B& b, GemmOptions o = {}) {
  detail::require_same_dtype_and_device<A, B>();
  static_assert(gemm_output_ok<dtype_of<C>, dtype_of<A>>,
                "mantissa::ops::gemm: the output (first type in the note below) must have the "
                "inputs' dtype (second) or be float32; write into a Tensor<float> and convert "
                "the result explicitly with cast<To>(c)");
  detail::require_writable<C>();
  static_assert(same_device<device_of<C>, device_of<A>>,
                "mantissa::ops::gemm: the output lives on another device than the inputs "
                "(note below); move it explicitly with to<>");
  detail::require_runs<op::gemm, D, A>();
  using T = dtype_of<A>;
  using TC = dtype_of<C>;
  if constexpr (detail::compatible<A, B> && FloatDtype<T> && is_writable<C> &&
                gemm_output_ok<TC, T> && same_device<device_of<C>, D> &&
                detail::runs<op::gemm, D, A>) {
    const auto d = detail::gemm_dims("gemm", a.shape(), o.trans_a, b.shape(), o.trans_b);
    detail::check_gemm_output("gemm", c.shape(), d);
    Backend<D>::template gemm<T, TC>(ctx, o.trans_a, o.trans_b, d.m, d.n, d.k, o.alpha,
                                     a.data(), a.shape()[1], b.data(), b.shape()[1], o.beta,
                                     c.view().data(), d.n);
  }
}

// y (n, m) = x (m, n)^T, a copy (a view cannot be transposed: tensors are contiguous). Any
// dtype: labels and pixels too. y must not overlap x.
template <Device D, TensorLike Y, TensorLike X>
void transpose(Context<D>& ctx, Y&& y, const X& x) {
  detail::require_same_dtype_and_device<Y, X>();
  detail::require_writable<Y>();
  detail::require_context<D, device_of<X>>();
  if constexpr (detail::same_context_device<D, device_of<X>>)
    detail::require_kernel<op::transpose, D, dtype_of<X>>();
  if constexpr (detail::compatible<Y, X> && is_writable<Y> &&
                detail::same_context_device<D, device_of<X>> &&
                has_kernel<op::transpose, D, dtype_of<X>>) {
    detail::check_transpose(y.shape(), x.shape());
    if (x.numel())
      Backend<D>::transpose(ctx, y.view().data(), x.data(), x.shape()[0], x.shape()[1]);
  }
}

}  // namespace ops

// The transpose of a matrix, as a new (n, m) tensor of x's dtype, on x's device.
template <TensorLike X>
Tensor<dtype_of<X>, device_of<X>> transpose(const X& x) {
  auto y = Tensor<dtype_of<X>, device_of<X>>::empty(detail::transpose_shape(x.shape()));
  ops::transpose(default_context<device_of<X>>(), y, x);
  return y;
}

// (m, k) x (k, n) -> (m, n), in the inputs' dtype, accumulated in float32.
template <TensorLike A, TensorLike B>
Tensor<dtype_of<A>, device_of<A>> matmul(const A& a, const B& b) {
  detail::require_same_dtype_and_device<A, B>();
  const auto d = detail::gemm_dims("matmul", a.shape(), false, b.shape(), false);
  auto c = Tensor<dtype_of<A>, device_of<A>>::empty(Shape{d.m, d.n});
  if constexpr (detail::compatible<A, B>) ops::gemm(default_context<device_of<A>>(), c, a, b);
  return c;
}

}  // namespace mantissa
