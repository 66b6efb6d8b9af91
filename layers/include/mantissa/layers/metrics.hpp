// mantissa/layers/metrics.hpp: metrics over a batch, in float32 (Keras's names).
//
//   accuracy(logits (N, C), labels (N))          fraction with argmax == label
//   binary_accuracy(logits (N), targets (N))     fraction with (logit > 0) == (target >= 0.5)
//   mean_absolute_error(y (N, ...), targets)     mean |y - t| (host memory)
// Each returns a float: a host read. A training loop sums them where the data is instead
// (ops::accumulate_classification) and reads the sums when it prints. To combine batches,
// weight each batch's value by its N.
#pragma once

#include <cmath>

#include "mantissa/core/core.hpp"

namespace mantissa {

namespace detail {
// The fraction of correct rows of one batch, from the accumulate op for the targets' dtype
// (int32 class labels: argmax == label; float32 targets: (logit > 0) == (target >= 0.5)),
// read back once.
template <TensorLike L, TensorLike Y>
float fraction_correct(const L& logits, const Y& targets) {
  using D = device_of<L>;
  auto& ctx = default_context<D>();
  Tensor<float, D> sums(Shape{3}), zero_loss(Shape{1});
  if constexpr (std::same_as<dtype_of<Y>, std::int32_t>)
    ops::accumulate_classification(ctx, sums.view(), cview(logits), cview(targets),
                                   zero_loss.view());
  else
    ops::accumulate_binary(ctx, sums.view(), cview(logits), cview(targets), zero_loss.view());
  float host[3];
  copy_bytes<Cpu, D>(host, sums.data(), sizeof host);
  return host[2] > 0.0f ? host[1] / host[2] : 0.0f;
}
}  // namespace detail

// Each metric checks its arguments first, one message per mistake (the types in the note
// below it), and computes only when all hold: no cascade of template errors after it.
template <TensorLike L, TensorLike Y>
float accuracy(const L& logits, const Y& labels) {
  static_assert(is_float_dtype<dtype_of<L>>,
                "mantissa::accuracy(logits, labels): logits are a floating tensor (float, half "
                "or bfloat16); the first argument's dtype is in the note below");
  static_assert(same_dtype<dtype_of<Y>, std::int32_t>,
                "mantissa::accuracy: labels are int32 class indices (note below); for 0/1 "
                "float targets use binary_accuracy");
  static_assert(same_device<device_of<Y>, device_of<L>>,
                "mantissa::accuracy: logits and labels are on different devices (logits' "
                "first in the note below); bring them together: to<Device>(labels)");
  if constexpr (is_float_dtype<dtype_of<L>> && same_dtype<dtype_of<Y>, std::int32_t> &&
                same_device<device_of<Y>, device_of<L>>)
    return detail::fraction_correct(logits, labels);
  else
    return 0.0f;
}

template <TensorLike L, TensorLike Y>
float binary_accuracy(const L& logits, const Y& targets) {
  static_assert(is_float_dtype<dtype_of<L>>,
                "mantissa::binary_accuracy(logits, targets): logits are a floating tensor "
                "(float, half or bfloat16); the first argument's dtype is in the note below");
  static_assert(same_dtype<dtype_of<Y>, float>,
                "mantissa::binary_accuracy: targets are float32 0/1 values (note below); for "
                "int32 class labels use accuracy");
  static_assert(same_device<device_of<Y>, device_of<L>>,
                "mantissa::binary_accuracy: logits and targets are on different devices "
                "(logits' first in the note below); bring them together: to<Device>(targets)");
  if constexpr (is_float_dtype<dtype_of<L>> && same_dtype<dtype_of<Y>, float> &&
                same_device<device_of<Y>, device_of<L>>)
    return detail::fraction_correct(logits, targets);
  else
    return 0.0f;
}

template <TensorLike L, TensorLike Y>
float mean_absolute_error(const L& y_, const Y& targets_) {
  static_assert(is_float_dtype<dtype_of<L>>,
                "mantissa::mean_absolute_error(outputs, targets): outputs are a floating tensor "
                "(float, half or bfloat16); the first argument's dtype is in the note below");
  static_assert(same_dtype<dtype_of<Y>, float>,
                "mantissa::mean_absolute_error: targets are float32 (note below): "
                "cast<float>(targets)");
  static_assert(is_host_device<device_of<L>> && is_host_device<device_of<Y>>,
                "mantissa::mean_absolute_error reads both tensors on the host, and one is in "
                "device memory (the devices, outputs' first, in the note below): to<Cpu>(x)");
  if constexpr (is_float_dtype<dtype_of<L>> && same_dtype<dtype_of<Y>, float> &&
                is_host_device<device_of<L>> && is_host_device<device_of<Y>>) {
    const auto y = cview(y_);
    const auto targets = cview(targets_);
    if (y.numel() != targets.numel())
      throw ShapeError("mean_absolute_error: outputs " + y.shape().str() + " and targets " +
                       targets.shape().str() + " differ in size");
    double s = 0.0;
    for (std::int64_t i = 0; i < y.numel(); ++i)
      s += std::abs(static_cast<double>(static_cast<float>(y.data()[i])) - targets.data()[i]);
    return y.numel() ? static_cast<float>(s / static_cast<double>(y.numel())) : 0.0f;
  } else {
    return 0.0f;
  }
}

}  // namespace mantissa
