// mantissa/layers/losses.hpp: losses, computed in float32 from compute-dtype outputs, for any
// device.
//
//   SoftmaxCrossEntropy   logits (N, C) in T, labels (N) int32
//   BinaryCrossEntropy    logits (N) or (N, 1) in T, targets (N) float in [0, 1]
//   MeanSquaredError      outputs (N, ...) in T, targets of the same shape, float
//
// loss_fn(outputs, targets) runs in the device's default context, loss_fn(ctx, outputs,
// targets) in ctx. Each returns a LossValue: the batch mean (float32, by signature: a loss
// never returns half), kept where the data is until value() reads it, and its float32
// gradient w.r.t. the outputs, held in a buffer the loss owns (grown once, reused after).
// Log-sum-exp / log1p forms keep every value finite for finite inputs. A label out of range
// (SoftmaxCrossEntropy) or a target that is NaN or outside [0, 1] (BinaryCrossEntropy; soft
// targets such as 0.5 are legal, as in PyTorch) is a DataError naming the row and the value:
// at once on the host; on another device at the step's (or evaluate's) one host read.
#pragma once

#include <string>

#include "mantissa/core/core.hpp"
#include "mantissa/layers/gradients.hpp"

namespace mantissa {

template <class T>
inline constexpr bool is_int32_labels = std::same_as<T, std::int32_t>;
template <class T>
inline constexpr bool is_float_targets = std::same_as<T, float>;

namespace detail {

// A loss's float32 workspace on the device it was last called on: the value (1) and the
// gradient (N, ...). Grown once, then reused; a copied loss starts with none of its own.
class LossWorkspace {
 public:
  LossWorkspace() = default;
  LossWorkspace(const LossWorkspace&) noexcept {}
  LossWorkspace& operator=(const LossWorkspace&) noexcept { return *this; }
  ~LossWorkspace() { release(); }

  // The results handed out so far go stale: advanced at every call (and at destruction).
  Stamp next() {
    generation_.advance();
    return generation_.stamp();
  }

  template <Device D>
  std::pair<TensorView<float, D>, TensorView<float, D>> get(const Shape& grad_shape) {
    static const char tag = 0;  // one address per device type
    const auto floats = static_cast<std::size_t>(grad_shape.numel()) + 1;
    if (device_ != &tag || floats > floats_) {
      release();
      data_ = D::allocate(floats * sizeof(float));
      floats_ = floats;
      device_ = &tag;
      free_ = [](void* p) noexcept { D::deallocate(p); };
    }
    auto* f = static_cast<float*>(data_);
    return {TensorView<float, D>(f, Shape{1}), TensorView<float, D>(f + 1, grad_shape)};
  }

 private:
  void release() noexcept {
    if (data_) free_(data_);
    data_ = nullptr;
    floats_ = 0;
  }
  void* data_ = nullptr;
  std::size_t floats_ = 0;
  const void* device_ = nullptr;
  void (*free_)(void*) noexcept = nullptr;
  Generation generation_;
};

// DataError naming the label out of range (SoftmaxCrossEntropy) or the target outside [0, 1]
// (BinaryCrossEntropy) a loss kernel recorded in a step status, if any. The one message,
// raised at the loss call on a host device, at the step's (or evaluate's) status read on
// another.
void raise_bad_label(const StepStatus& s);

// On a host device the kernel's record is read where it is (no copy), cleared, and raised.
template <Device D>
void raise_bad_label_now(Context<D>& ctx) {
  if constexpr (is_host_device<D>) {
    const StepStatus s = *ctx.status();
    const StepStatus clean;  // the record only: the gradient counts are the step's
    StepStatus* live = ctx.status();
    live->bad_label_row = clean.bad_label_row;
    live->bad_label = clean.bad_label;
    live->classes = clean.classes;
    live->bad_target = clean.bad_target;
    live->binary_target = clean.binary_target;
    raise_bad_label(s);
  }
}

// The three losses share one call path (Loss below); each kind says its types and kernel.
struct SoftmaxCrossEntropyKind {
  // Whether the targets' dtype fits (a static_assert says why not).
  template <class Y>
  static constexpr bool targets_fit() {
    static_assert(is_int32_labels<dtype_of<Y>>,
                  "mantissa::SoftmaxCrossEntropy: labels are int32 class indices (their dtype "
                  "is in the note below); convert them explicitly: cast<std::int32_t>(y)");
    return is_int32_labels<dtype_of<Y>>;
  }
  template <Device D, class L, class Y>
  static void run(Context<D>& ctx, TensorView<float, D> value, TensorView<float, D> grad,
                  const L& logits, const Y& labels) {
    ops::softmax_cross_entropy(ctx, value, grad, logits, labels);
    raise_bad_label_now(ctx);
  }
};

// The losses of outputs against float32 targets: binary cross-entropy (targets in [0, 1])
// and mean squared error.
enum class FloatTargetLoss { binary_cross_entropy, mean_squared_error };

template <FloatTargetLoss K>
struct FloatTargetKind {
  template <class Y>
  static constexpr bool targets_fit() {
    static_assert(is_float_targets<dtype_of<Y>>,
                  "mantissa: the targets of BinaryCrossEntropy (in [0, 1]) and MeanSquaredError "
                  "are float32 (their dtype is in the note below); convert them explicitly: "
                  "cast<float>(y)");
    return is_float_targets<dtype_of<Y>>;
  }
  template <Device D, class L, class Y>
  static void run(Context<D>& ctx, TensorView<float, D> value, TensorView<float, D> grad,
                  const L& outputs, const Y& targets) {
    if constexpr (K == FloatTargetLoss::binary_cross_entropy) {
      ops::binary_cross_entropy(ctx, value, grad, outputs, targets);
      raise_bad_label_now(ctx);
    } else {
      ops::mean_squared_error(ctx, value, grad, outputs, targets);
    }
  }
};

}  // namespace detail

// A loss object owns the buffer its LossValue's gradient lives in (reused from call to call,
// so a step allocates nothing). Hence: a LossValue is valid until the same loss object is
// called again or destroyed (then reading it is a StateError), and calling a temporary loss
// object does not compile. Name it: SoftmaxCrossEntropy loss_fn; auto loss = loss_fn(y, t);
template <class Kind>
class Loss {
 public:
  template <TensorLike L, TensorLike Y>
  LossValue<device_of<L>> operator()(const L& outputs, const Y& targets) & {
    return (*this)(default_context<device_of<L>>(), outputs, targets);
  }

  template <class... Args>
  auto operator()(Args&&...) && {
    static_assert(!std::is_same_v<Kind, Kind>,
                  "mantissa: a loss object owns the gradient buffer its LossValue points into, "
                  "so a temporary one would leave it dangling; name it: "
                  "SoftmaxCrossEntropy loss_fn; auto loss = loss_fn(outputs, targets);");
    return LossValue<Cpu>(0.0f, Tensor<float, Cpu>());
  }

  template <Device D, TensorLike L, TensorLike Y>
  LossValue<D> operator()(Context<D>& ctx, const L& outputs, const Y& targets) & {
    detail::require_float_dtype<L>();
    constexpr bool fits = Kind::template targets_fit<Y>();
    static_assert(same_device<device_of<Y>, device_of<L>>,
                  "mantissa: a loss's outputs and targets live on different devices (note "
                  "below); move one explicitly with to<D>(x)");
    detail::require_context<D, device_of<L>>();
    if constexpr (fits && same_device<device_of<Y>, device_of<L>> &&
                  FloatDtype<dtype_of<L>> && detail::same_context_device<D, device_of<L>>) {
      const auto out = cview(outputs);
      auto [value, grad] = workspace_.get<D>(out.shape());
      auto stamp = workspace_.next();
      Kind::run(ctx, value, grad, out, cview(targets));
      LossValue<D> result(LossValue<D>::on_device, value, grad, std::move(stamp));
      if constexpr (requires { outputs.stamp(); }) result.set_source(outputs.stamp());
      return result;
    } else {
      return {0.0f, TensorView<const float, D>()};
    }
  }

 private:
  detail::LossWorkspace workspace_;
};

using SoftmaxCrossEntropy = Loss<detail::SoftmaxCrossEntropyKind>;
using BinaryCrossEntropy =
    Loss<detail::FloatTargetKind<detail::FloatTargetLoss::binary_cross_entropy>>;
using MeanSquaredError = Loss<detail::FloatTargetKind<detail::FloatTargetLoss::mean_squared_error>>;

}  // namespace mantissa
