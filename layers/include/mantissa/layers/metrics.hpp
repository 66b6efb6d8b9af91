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

template <TensorLike L, TensorLike Y>
float accuracy(const L& logits, const Y& labels) {
  static_assert(same_dtype<dtype_of<Y>, std::int32_t>,
                "mantissa::accuracy: labels are int32 class indices (note below)");
  return detail::fraction_correct(logits, labels);
}

template <TensorLike L, TensorLike Y>
float binary_accuracy(const L& logits, const Y& targets) {
  static_assert(same_dtype<dtype_of<Y>, float>,
                "mantissa::binary_accuracy: targets are float32 (note below)");
  return detail::fraction_correct(logits, targets);
}

template <TensorLike L, TensorLike Y>
float mean_absolute_error(const L& y_, const Y& targets_) {
  detail::require_float_dtype<L>();
  static_assert(same_dtype<dtype_of<Y>, float>,
                "mantissa::mean_absolute_error: targets are float32 (note below)");
  detail::require_host_memory<device_of<L>>();
  const auto y = cview(y_);
  const auto targets = cview(targets_);
  if (y.numel() != targets.numel())
    throw ShapeError("mean_absolute_error: outputs " + y.shape().str() + " and targets " +
                     targets.shape().str() + " differ in size");
  double s = 0.0;
  if constexpr (is_host_device<device_of<L>>)
    for (std::int64_t i = 0; i < y.numel(); ++i)
      s += std::abs(static_cast<double>(static_cast<float>(y.data()[i])) - targets.data()[i]);
  return y.numel() ? static_cast<float>(s / static_cast<double>(y.numel())) : 0.0f;
}

}  // namespace mantissa
