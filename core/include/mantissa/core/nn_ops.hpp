// mantissa/core/nn_ops.hpp: the ops layers, losses, metrics and optimizers are made of, for
// any device: bias, dropout, batch normalisation, float32 softmax, losses, metric sums,
// numerics checks and the fused optimizer updates over flat arenas. Shapes are checked here
// once; kernels trust them.
//
// Letters: N batch rows, C columns / classes / channels.
#pragma once

#include <string>
#include <type_traits>

#include "mantissa/core/ops.hpp"

namespace mantissa {

namespace detail {
inline void check_elementwise_activation(const char* op, Activation f) {
  if (f == Activation::softmax)
    throw ValueError(std::string(op) + ": softmax normalises whole rows, it is not elementwise; " +
                     "use bias_add, then activation");
}
}  // namespace detail

namespace ops {

// ---- bias, forward and backward side by side ----------------------------------------------

// y(N, C) += bias(C).
template <Device D, TensorLike Y, TensorLike B>
void bias_add(Context<D>& ctx, Y&& y, const B& bias) {
  detail::require_same_dtype_and_device<Y, B>();
  detail::require_runs<op::bias, D, Y>();
  if constexpr (detail::compatible<Y, B> && detail::runs<op::bias, D, Y>) {
    const auto c = bias.numel();
    if (y.rank() < 1 || y.shape()[-1] != c)
      detail::throw_shape_mismatch("bias_add", y.shape(), bias.shape());
    Backend<D>::bias_add(ctx, y.view().data(), bias.data(), y.numel() / c, c);
  }
}

// dbias(C) = (or +=) the sum of dy(N, C) over N, in float32.
template <Device D, TensorLike G, TensorLike Y>
void bias_grad(Context<D>& ctx, G&& dbias, const Y& dy, Accumulate acc) {
  static_assert(same_dtype<dtype_of<G>, float>,
                "mantissa::ops::bias_grad: bias gradients are float32 (note below)");
  detail::require_runs<op::bias, D, Y>();
  if constexpr (same_dtype<dtype_of<G>, float> && detail::runs<op::bias, D, Y>) {
    const auto c = dbias.numel();
    if (dy.rank() < 1 || dy.shape()[-1] != c)
      detail::throw_shape_mismatch("bias_grad", dy.shape(), dbias.shape());
    Backend<D>::bias_grad(ctx, dbias.view().data(), dy.data(), dy.numel() / c, c,
                          acc == Accumulate::add);
  }
}

// ---- bias and an activation, fused --------------------------------------------------------

// y(N, C) = f(y + bias(C)) in place, f elementwise (not softmax): bias_add then activation in
// one pass over y where the backend has it (the CPU), the two passes otherwise; the same bits
// either way (y + bias is rounded into y's dtype before f).
template <Device D, TensorLike Y, TensorLike B>
void bias_activation(Context<D>& ctx, Activation f, Y&& y, const B& bias) {
  detail::require_same_dtype_and_device<Y, B>();
  detail::require_runs<op::bias, D, Y>();
  detail::require_runs<op::activation, D, Y>();
  if constexpr (detail::compatible<Y, B> && detail::runs<op::bias, D, Y> &&
                detail::runs<op::activation, D, Y>) {
    detail::check_elementwise_activation("bias_activation", f);
    const auto c = bias.numel();
    if (y.rank() < 1 || y.shape()[-1] != c)
      detail::throw_shape_mismatch("bias_activation", y.shape(), bias.shape());
    if (y.numel() == 0) return;
    auto* out = y.view().data();
    const auto rows = y.numel() / c;
    if constexpr (requires { Backend<D>::bias_activation(ctx, f, out, bias.data(), rows, c); }) {
      Backend<D>::bias_activation(ctx, f, out, bias.data(), rows, c);
    } else {
      Backend<D>::bias_add(ctx, out, bias.data(), rows, c);
      Backend<D>::activation_forward(ctx, f, out, out, rows, c);
    }
  }
}

// dz = dy * f'(.) written with the forward output y (activation_backward), and dbias(C) =
// (or +=) the sum of dz over N in float32 (bias_grad): one pass where the backend has it, the
// same bits either way. dz may alias dy.
template <Device D, TensorLike DZ, TensorLike DY, TensorLike Y, TensorLike G>
void activation_backward_bias_grad(Context<D>& ctx, Activation f, DZ&& dz, const DY& dy,
                                   const Y& y, G&& dbias, Accumulate acc) {
  static_assert(same_dtype<dtype_of<G>, float>,
                "mantissa::ops::activation_backward_bias_grad: bias gradients are float32");
  if constexpr (same_dtype<dtype_of<G>, float> &&
                detail::check_elementwise<op::activation, D, DZ, DY, Y>() &&
                detail::runs<op::bias, D, Y>) {
    detail::check_elementwise_activation("activation_backward_bias_grad", f);
    detail::check_same_shape("activation_backward_bias_grad", dy.shape(), y.shape());
    detail::check_same_shape("activation_backward_bias_grad (dz)", dz.shape(), y.shape());
    const auto c = dbias.numel();
    if (y.rank() < 1 || y.shape()[-1] != c)
      detail::throw_shape_mismatch("activation_backward_bias_grad", y.shape(), dbias.shape());
    auto* d = dz.view().data();
    auto* g = dbias.view().data();
    const auto rows = y.numel() / c;
    const bool add = acc == Accumulate::add;
    if constexpr (requires {
                    Backend<D>::activation_backward_bias_grad(ctx, f, d, dy.data(), y.data(), g,
                                                              rows, c, add);
                  }) {
      Backend<D>::activation_backward_bias_grad(ctx, f, d, dy.data(), y.data(), g, rows, c, add);
    } else {
      if (rows) Backend<D>::activation_backward(ctx, f, d, dy.data(), y.data(), rows, c);
      Backend<D>::bias_grad(ctx, g, d, rows, c, add);
    }
  }
}

// Inverted dropout with a mask regenerated from (seed, offset): see cpu::dropout. The same
// call with dy in place of x is its backward.
template <Device D, TensorLike Y, TensorLike X>
void dropout(Context<D>& ctx, Y&& y, const X& x, float rate, std::uint64_t seed,
             std::uint64_t offset) {
  detail::require_same_dtype_and_device<Y, X>();
  detail::require_runs<op::dropout, D, X>();
  if constexpr (detail::compatible<Y, X> && detail::runs<op::dropout, D, X>) {
    detail::check_same_shape("dropout", y.shape(), x.shape());
    Backend<D>::dropout(ctx, y.view().data(), x.data(), x.numel(), rate, seed, offset);
  }
}

// ---- batch normalisation ------------------------------------------------------------------

// Every statistic and affine parameter is a float32 view of C elements: precision by
// signature.
template <Device D>
struct BatchNormState {
  TensorView<const float, D> gamma, beta;          // (C)
  TensorView<float, D> mean, inv_std;              // (C) saved for backward
  TensorView<float, D> running_mean, running_var;  // (C)
  float momentum, epsilon;
};

template <Device D, TensorLike Y, TensorLike X>
void batchnorm_forward(Context<D>& ctx, Y&& y, const X& x, const BatchNormState<D>& s, Mode mode) {
  detail::require_same_dtype_and_device<Y, X>();
  detail::require_runs<op::batchnorm, D, X>();
  if constexpr (detail::compatible<Y, X> && detail::runs<op::batchnorm, D, X>) {
    detail::check_same_shape("batchnorm", y.shape(), x.shape());
    const auto c = x.shape()[-1];
    Backend<D>::batchnorm_forward(ctx, y.view().data(), x.data(), x.numel() / c, c,
                                  s.gamma.data(), s.beta.data(), s.mean.data(),
                                  s.inv_std.data(), s.running_mean.data(),
                                  s.running_var.data(), s.momentum, s.epsilon,
                                  mode == Mode::train);
  }
}

// dgamma, dbeta (C) in float32 (= or += by acc); dx unless it is empty.
template <Device D, TensorLike X, TensorLike G>
void batchnorm_backward(Context<D>& ctx, X&& dx, TensorView<float, D> dgamma,
                        TensorView<float, D> dbeta, const G& dy, const G& x,
                        const BatchNormState<D>& s, Accumulate acc) {
  detail::require_same_dtype_and_device<X, G>();
  detail::require_runs<op::batchnorm, D, G>();
  if constexpr (detail::compatible<X, G> && detail::runs<op::batchnorm, D, G>) {
    const auto c = x.shape()[-1];
    Backend<D>::batchnorm_backward(ctx, dx.empty() ? nullptr : dx.view().data(), dgamma.data(),
                                   dbeta.data(), dy.data(), x.data(), x.numel() / c, c,
                                   s.gamma.data(), s.mean.data(), s.inv_std.data(),
                                   acc == Accumulate::add);
  }
}

// ---- losses: value and gradient in float32 ------------------------------------------------

// Softmax cross-entropy of logits (N, C) against int32 labels (N): loss (1) = the batch
// mean, dlogits (N, C) = its gradient. A label outside [0, C) makes the loss NaN and is
// recorded in the context's step status (its row and value) for the host to report.
template <Device D, TensorLike L, TensorLike Y>
void softmax_cross_entropy(Context<D>& ctx, TensorView<float, D> loss,
                           TensorView<float, D> dlogits, const L& logits, const Y& labels) {
  detail::require_runs<op::loss, D, L>();
  if constexpr (detail::runs<op::loss, D, L> && same_dtype<dtype_of<Y>, std::int32_t>) {
    if (logits.rank() != 2 || labels.rank() != 1 || labels.shape()[0] != logits.shape()[0])
      throw ShapeError("SoftmaxCrossEntropy: needs logits (N, C) and labels (N,), got " +
                       logits.shape().str() + " and " + labels.shape().str());
    Backend<D>::softmax_cross_entropy(ctx, logits.data(), labels.data(), logits.shape()[0],
                                      logits.shape()[1], dlogits.data(), loss.data());
  }
}

// Binary cross-entropy of logits (N) or (N, 1) against float targets (N) in [0, 1] (soft
// targets included). A target that is NaN or outside [0, 1] makes the loss NaN and is
// recorded in the step status (its row and value), as a bad label is.
template <Device D, TensorLike L, TensorLike Y>
void binary_cross_entropy(Context<D>& ctx, TensorView<float, D> loss,
                          TensorView<float, D> dlogits, const L& logits, const Y& targets) {
  detail::require_runs<op::loss, D, L>();
  if constexpr (detail::runs<op::loss, D, L> && same_dtype<dtype_of<Y>, float>) {
    if (logits.numel() != targets.numel() || logits.rank() < 1 ||
        logits.numel() != logits.shape()[0])
      throw ShapeError("BinaryCrossEntropy: needs logits (N,) or (N, 1) and targets (N,), got " +
                       logits.shape().str() + " and " + targets.shape().str());
    Backend<D>::binary_cross_entropy(ctx, logits.data(), targets.data(), logits.numel(),
                                     dlogits.data(), loss.data());
  }
}

template <Device D, TensorLike L, TensorLike Y>
void mean_squared_error(Context<D>& ctx, TensorView<float, D> loss, TensorView<float, D> dy,
                        const L& y, const Y& targets) {
  detail::require_runs<op::loss, D, L>();
  if constexpr (detail::runs<op::loss, D, L> && same_dtype<dtype_of<Y>, float>) {
    if (y.numel() != targets.numel())
      throw ShapeError("MeanSquaredError: outputs " + y.shape().str() + " and targets " +
                       targets.shape().str() + " differ in size");
    Backend<D>::mean_squared_error(ctx, y.data(), targets.data(), y.numel(), dy.data(),
                                   loss.data());
  }
}

// ---- metrics: running sums where the data is ----------------------------------------------

// sums (3) += {loss * N, correct rows, N} for logits (N, C) and int32 labels (N).
template <Device D, TensorLike L, TensorLike Y>
void accumulate_classification(Context<D>& ctx, TensorView<float, D> sums, const L& logits,
                               const Y& labels,
                               TensorView<const float, std::type_identity_t<D>> loss) {
  detail::require_runs<op::metrics, D, L>();
  static_assert(same_dtype<dtype_of<Y>, std::int32_t>,
                "mantissa: labels are int32 class indices (note below)");
  if constexpr (detail::runs<op::metrics, D, L> && same_dtype<dtype_of<Y>, std::int32_t>) {
    if (logits.rank() != 2 || labels.rank() != 1 || labels.shape()[0] != logits.shape()[0])
      throw ShapeError("accuracy: needs logits (N, C) and labels (N,), got " +
                       logits.shape().str() + " and " + labels.shape().str());
    Backend<D>::accumulate_classification(ctx, sums.data(), logits.data(), labels.data(),
                                          logits.shape()[0], logits.shape()[1], loss.data());
  }
}

// sums (3) += {loss * N, rows with (logit > 0) == (target >= 0.5), N}.
template <Device D, TensorLike L, TensorLike Y>
void accumulate_binary(Context<D>& ctx, TensorView<float, D> sums, const L& logits,
                       const Y& targets, TensorView<const float, std::type_identity_t<D>> loss) {
  detail::require_runs<op::metrics, D, L>();
  static_assert(same_dtype<dtype_of<Y>, float>, "mantissa: targets are float32 (note below)");
  if constexpr (detail::runs<op::metrics, D, L> && same_dtype<dtype_of<Y>, float>) {
    if (logits.numel() != targets.numel())
      throw ShapeError("binary_accuracy: logits " + logits.shape().str() + " and targets " +
                       targets.shape().str() + " differ in size");
    Backend<D>::accumulate_binary(ctx, sums.data(), logits.data(), targets.data(),
                                  logits.numel(), loss.data());
  }
}

// ---- numerics -----------------------------------------------------------------------------

// dst = round(src * scale) into dst's dtype: the loss gradient, multiplied by the loss scale
// before it is narrowed to the compute dtype (so small gradients survive the narrowing).
template <Device D, TensorLike Dst>
void convert_scaled(Context<D>& ctx, Dst&& dst,
                    TensorView<const float, std::type_identity_t<D>> src, float scale) {
  detail::require_runs<op::numerics, D, Dst>();
  if constexpr (detail::runs<op::numerics, D, Dst> && FloatDtype<dtype_of<Dst>>) {
    detail::check_same_shape("convert_scaled", dst.shape(), src.shape());
    Backend<D>::convert_scaled(ctx, src.data(), dst.view().data(), src.numel(), scale);
  }
}

// g /= scale over a float32 buffer (a gradient arena), and in the same pass the count and
// first index of non-finite results into the context's step status.
template <Device D>
void unscale_and_check(Context<D>& ctx, TensorView<float, D> g, float inv_scale) {
  Backend<D>::unscale_and_check(ctx, g.data(), g.numel(), inv_scale);
}

// How many elements of x are +-inf and how many NaN (a host read: check_numerics).
struct NonFiniteCount {
  std::int64_t inf = 0, nan = 0;
  std::int64_t total() const noexcept { return inf + nan; }
};
template <Device D, TensorLike X>
NonFiniteCount count_nonfinite(Context<D>& ctx, const X& x) {
  detail::require_runs<op::numerics, D, X>();
  NonFiniteCount r;
  if constexpr (detail::runs<op::numerics, D, X> && FloatDtype<dtype_of<X>>) {
    auto* p = static_cast<std::int64_t*>(ctx.workspace(2 * sizeof(std::int64_t)));
    Backend<D>::count_nonfinite(ctx, x.data(), x.numel(), p, p + 1);
    std::int64_t host[2];
    copy_bytes<Cpu, D>(host, p, sizeof host);
    r.inf = host[0];
    r.nan = host[1];
  }
  return r;
}

// ---- optimizer updates over flat float32 arenas -------------------------------------------
// One pass reads the gradient, updates the master weights and moments, and writes the
// compute-dtype copy (compute empty: the policy computes in float32).

template <Device D, FloatDtype T>
void sgd_update(Context<D>& ctx, TensorView<float, D> w,
                TensorView<const float, std::type_identity_t<D>> grad,
                TensorView<float, D> momentum, TensorView<T, D> compute, const SgdParams& p) {
  static_assert(has_kernel<op::optimizer, D, T>,
                "mantissa: this device has no optimizer kernel (device and dtype in the note)");
  Backend<D>::sgd_update(ctx, w.data(), grad.data(), momentum.empty() ? nullptr : momentum.data(),
                         compute.empty() ? nullptr : compute.data(), w.numel(), p);
}

template <Device D, FloatDtype T>
void adam_update(Context<D>& ctx, TensorView<float, D> w,
                 TensorView<const float, std::type_identity_t<D>> grad, TensorView<float, D> m,
                 TensorView<float, D> v, TensorView<T, D> compute, const AdamParams& p) {
  static_assert(has_kernel<op::optimizer, D, T>,
                "mantissa: this device has no optimizer kernel (device and dtype in the note)");
  Backend<D>::adam_update(ctx, w.data(), grad.data(), m.data(), v.data(),
                          compute.empty() ? nullptr : compute.data(), w.numel(), p);
}

// norm (1) = the L2 norm of g; g *= max_norm / (norm + 1e-6) when it is finite and larger.
template <Device D>
void clip_grad_norm(Context<D>& ctx, TensorView<float, D> g, float max_norm,
                    TensorView<float, D> norm) {
  Backend<D>::clip_grad_norm(ctx, g.data(), g.numel(), max_norm, norm.data());
}

}  // namespace ops

// Softmax over the last axis, returned in float32 whatever the input's dtype: precision by
// signature (the probabilities of a half model are not rounded to half).
template <TensorLike X>
Tensor<float, device_of<X>> softmax(const X& x) {
  using D = device_of<X>;
  detail::require_runs<op::softmax_float32, D, X>();
  auto out = Tensor<float, D>::empty(x.shape());
  if constexpr (FloatDtype<dtype_of<X>> && detail::runs<op::softmax_float32, D, X>) {
    const auto c = detail::last_axis(x.shape());
    if (x.numel())
      Backend<D>::softmax_float32(default_context<D>(), x.data(), x.numel() / c, c, out.data());
  }
  return out;
}

// log(sum(exp(x))) over the last axis, in float32, with the row max subtracted first so no
// exp overflows: (..., C) -> (...).
template <TensorLike X>
Tensor<float, device_of<X>> log_sum_exp(const X& x) {
  using D = device_of<X>;
  detail::require_runs<op::softmax_float32, D, X>();
  const auto c = detail::last_axis(x.shape());
  auto out = Tensor<float, D>::empty(Shape::from_range(x.shape().begin(), x.shape().end() - 1));
  if constexpr (FloatDtype<dtype_of<X>> && detail::runs<op::softmax_float32, D, X>)
    if (x.numel())
      Backend<D>::log_sum_exp(default_context<D>(), x.data(), x.numel() / c, c, out.data());
  return out;
}

}  // namespace mantissa
