// mantissa/layers/metrics.hpp: metrics over a batch, in float32 (Keras's names).
//
//   accuracy(logits (N, C), labels (N))          fraction with argmax == label
//   binary_accuracy(logits (N), targets (N))     fraction with (logit > 0) == (target >= 0.5)
//   mean_absolute_error(y (N, ...), targets)     mean |y - t|
// To combine batches, weight each batch's value by its N.
#pragma once

#include <cmath>

#include "mantissa/core/core.hpp"

namespace mantissa {

template <TensorLike L, TensorLike Y>
float accuracy(const L& logits_, const Y& labels_) {
  detail::require_float_dtype<L>();
  static_assert(same_dtype<dtype_of<Y>, std::int32_t>,
                "mantissa::accuracy: labels are int32 class indices (note below)");
  const auto logits = cview(logits_);
  const auto labels = cview(labels_);
  if (logits.rank() != 2 || labels.rank() != 1 || labels.shape()[0] != logits.shape()[0])
    throw ShapeError("accuracy: needs logits (N, C) and labels (N,), got " +
                     logits.shape().str() + " and " + labels.shape().str());
  const auto pred = argmax(logits, 1);
  std::int64_t hits = 0;
  for (std::int64_t i = 0; i < pred.numel(); ++i) hits += pred[i] == labels[i];
  return pred.numel() ? static_cast<float>(hits) / static_cast<float>(pred.numel()) : 0.0f;
}

template <TensorLike L, TensorLike Y>
float binary_accuracy(const L& logits_, const Y& targets_) {
  detail::require_float_dtype<L>();
  static_assert(same_dtype<dtype_of<Y>, float>,
                "mantissa::binary_accuracy: targets are float32 (note below)");
  const auto logits = cview(logits_);
  const auto targets = cview(targets_);
  if (logits.numel() != targets.numel())
    throw ShapeError("binary_accuracy: logits " + logits.shape().str() + " and targets " +
                     targets.shape().str() + " differ in size");
  std::int64_t hits = 0;
  for (std::int64_t i = 0; i < logits.numel(); ++i)
    hits += (static_cast<float>(logits[i]) > 0.0f) == (targets[i] >= 0.5f);
  return logits.numel() ? static_cast<float>(hits) / static_cast<float>(logits.numel()) : 0.0f;
}

template <TensorLike L, TensorLike Y>
float mean_absolute_error(const L& y_, const Y& targets_) {
  detail::require_float_dtype<L>();
  static_assert(same_dtype<dtype_of<Y>, float>,
                "mantissa::mean_absolute_error: targets are float32 (note below)");
  const auto y = cview(y_);
  const auto targets = cview(targets_);
  if (y.numel() != targets.numel())
    throw ShapeError("mean_absolute_error: outputs " + y.shape().str() + " and targets " +
                     targets.shape().str() + " differ in size");
  double s = 0.0;
  for (std::int64_t i = 0; i < y.numel(); ++i)
    s += std::abs(static_cast<double>(static_cast<float>(y[i])) - targets[i]);
  return y.numel() ? static_cast<float>(s / static_cast<double>(y.numel())) : 0.0f;
}

}  // namespace mantissa
