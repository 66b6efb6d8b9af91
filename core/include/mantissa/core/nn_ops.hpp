// mantissa/core/nn_ops.hpp: the ops layers are made of (bias, activation derivatives),
// dispatched on the device in the tensor types like every op in ops.hpp. Shapes are checked
// here once; kernels trust them.
#pragma once

#include "mantissa/core/checks.hpp"
#include "mantissa/core/cpu/nn.hpp"
#include "mantissa/core/ops.hpp"

namespace mantissa::ops {

// y(N, C) += bias(C).
template <TensorLike Y, TensorLike B>
void bias_add(Y&& y, const B& bias) {
  detail::require_same_dtype_and_device<Y, B>();
  detail::require_cpu<device_of<Y>>();
  if constexpr (detail::compatible<Y, B>) {
    const auto c = bias.numel();
    if (y.rank() < 1 || y.shape()[-1] != c)
      detail::throw_shape_mismatch("bias_add", y.shape(), bias.shape());
    cpu::bias_add(y.view().data(), bias.data(), y.numel() / c, c);
  }
}

// dbias(C) = (or +=) the sum of dy(N, C) over N, in float32.
template <TensorLike G, TensorLike Y>
void bias_grad(G&& dbias, const Y& dy, bool accumulate) {
  static_assert(same_dtype<dtype_of<G>, float>,
                "mantissa::ops::bias_grad: bias gradients are float32 (note below)");
  detail::require_cpu<device_of<Y>>();
  const auto c = dbias.numel();
  if (dy.rank() < 1 || dy.shape()[-1] != c)
    detail::throw_shape_mismatch("bias_grad", dy.shape(), dbias.shape());
  cpu::bias_grad(dbias.view().data(), dy.data(), dy.numel() / c, c, accumulate);
}

// dx = dy * f'(.) written with the forward output y.
template <TensorLike X, TensorLike G, TensorLike Y>
void activation_backward(cpu::Activation f, X&& dx, const G& dy, const Y& y) {
  detail::require_same_dtype_and_device<X, G>();
  detail::require_same_dtype_and_device<G, Y>();
  detail::require_cpu<device_of<Y>>();
  if constexpr (detail::compatible<X, G> && detail::compatible<G, Y>) {
    detail::check_same_shape("activation_backward", dy.shape(), y.shape());
    detail::check_same_shape("activation_backward (dx)", dx.shape(), y.shape());
    cpu::activation_backward(f, dx.view().data(), dy.data(), y.data(), y.numel());
  }
}

// y = softmax over the last axis of x, computed in float32 and rounded once into y's dtype.
template <TensorLike Y, TensorLike X>
void softmax(Y&& y, const X& x) {
  detail::require_same_dtype_and_device<Y, X>();
  detail::require_cpu<device_of<X>>();
  if constexpr (detail::compatible<Y, X>) {
    detail::check_same_shape("softmax", y.shape(), x.shape());
    const auto c = x.shape()[-1];
    cpu::softmax_rows(y.view().data(), x.data(), x.numel() / c, c);
  }
}

template <TensorLike X, TensorLike G, TensorLike Y>
void softmax_backward(X&& dx, const G& dy, const Y& y) {
  detail::require_same_dtype_and_device<X, G>();
  detail::require_same_dtype_and_device<G, Y>();
  detail::require_cpu<device_of<Y>>();
  if constexpr (detail::compatible<X, G> && detail::compatible<G, Y>) {
    detail::check_same_shape("softmax_backward", dy.shape(), y.shape());
    detail::check_same_shape("softmax_backward (dx)", dx.shape(), y.shape());
    const auto c = y.shape()[-1];
    cpu::softmax_backward(dx.view().data(), dy.data(), y.data(), y.numel() / c, c);
  }
}

// Inverted dropout with a mask regenerated from (seed, offset): see cpu::dropout.
template <TensorLike Y, TensorLike X>
void dropout(Y&& y, const X& x, float rate, std::uint64_t seed, std::uint64_t offset) {
  detail::require_same_dtype_and_device<Y, X>();
  detail::require_cpu<device_of<X>>();
  if constexpr (detail::compatible<Y, X>) {
    detail::check_same_shape("dropout", y.shape(), x.shape());
    cpu::dropout(y.view().data(), x.data(), x.numel(), rate, seed, offset);
  }
}

// Batch normalisation over the last axis; every statistic and affine parameter is a float32
// view of C elements (see cpu::batchnorm_forward). Precision by signature: stats are float.
struct BatchNormState {
  TensorView<const float, Cpu> gamma, beta;          // (C)
  TensorView<float, Cpu> mean, inv_std;              // (C) saved for backward
  TensorView<float, Cpu> running_mean, running_var;  // (C)
  float momentum, epsilon;
};

template <TensorLike Y, TensorLike X>
void batchnorm_forward(Y&& y, const X& x, const BatchNormState& s, bool training) {
  detail::require_same_dtype_and_device<Y, X>();
  detail::require_cpu<device_of<X>>();
  if constexpr (detail::compatible<Y, X>) {
    detail::check_same_shape("batchnorm", y.shape(), x.shape());
    const auto c = x.shape()[-1];
    cpu::batchnorm_forward(y.view().data(), x.data(), x.numel() / c, c, s.gamma.data(),
                           s.beta.data(), s.mean.data(), s.inv_std.data(),
                           s.running_mean.data(), s.running_var.data(), s.momentum, s.epsilon,
                           training);
  }
}

template <TensorLike X, TensorLike G>
void batchnorm_backward(X&& dx, TensorView<float, Cpu> dgamma, TensorView<float, Cpu> dbeta,
                        const G& dy, const G& x, const BatchNormState& s, bool accumulate) {
  detail::require_same_dtype_and_device<X, G>();
  detail::require_cpu<device_of<G>>();
  if constexpr (detail::compatible<X, G>) {
    const auto c = x.shape()[-1];
    cpu::batchnorm_backward(dx.empty() ? nullptr : dx.view().data(), dgamma.data(),
                            dbeta.data(), dy.data(), x.data(), x.numel() / c, c,
                            s.gamma.data(), s.mean.data(), s.inv_std.data(), accumulate);
  }
}

}  // namespace mantissa::ops

namespace mantissa {

// Softmax over the last axis, returned in float32 whatever the input's dtype: precision by
// signature (the probabilities of a half model are not rounded to half).
template <TensorLike X>
Tensor<float, device_of<X>> softmax(const X& x) {
  detail::require_float_dtype<X>();
  detail::require_cpu<device_of<X>>();
  auto out = Tensor<float, device_of<X>>::empty(x.shape());
  if constexpr (FloatDtype<dtype_of<X>>) {
    const auto c = x.shape()[-1];
    cpu::softmax(x.data(), x.numel() / c, c, out.data());
  }
  return out;
}

// log(sum(exp(x))) over the last axis, in float32, with the row max subtracted first so no
// exp overflows: (..., C) -> (...).
template <TensorLike X>
Tensor<float, device_of<X>> log_sum_exp(const X& x) {
  detail::require_float_dtype<X>();
  detail::require_cpu<device_of<X>>();
  const auto c = x.shape()[-1];
  auto out = Tensor<float, device_of<X>>::empty(Shape::from_range(x.shape().begin(), x.shape().end() - 1));
  if constexpr (FloatDtype<dtype_of<X>>) cpu::log_sum_exp(x.data(), x.numel() / c, c, out.data());
  return out;
}

}  // namespace mantissa
