// mantissa/layers/losses.hpp: losses, computed in float32 from compute-dtype outputs.
//
//   SoftmaxCrossEntropy   logits (N, C) in T, labels (N) int32
//   BinaryCrossEntropy    logits (N) or (N, 1) in T, targets (N) float in [0, 1]
//   MeanSquaredError      outputs (N, ...) in T, targets of the same shape, float
//
// Each call returns a LossValue: the batch mean (float32, by signature: a loss never returns
// half) and its float32 gradient w.r.t. the outputs, held in a buffer the loss owns (grown
// once, reused after). Log-sum-exp / log1p forms keep every value finite for finite inputs.
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
template <Device D>
TensorView<float, D> loss_buffer(Tensor<float, D>& buf, const Shape& s) {
  if (buf.numel() < s.numel()) buf = Tensor<float, D>::empty(Shape{s.numel()});
  return TensorView<float, D>(buf.data(), s);
}
}  // namespace detail

class SoftmaxCrossEntropy {
 public:
  template <TensorLike L, TensorLike Y>
  LossValue<device_of<L>> operator()(const L& logits_, const Y& labels_) {
    using D = device_of<L>;
    detail::require_float_dtype<L>();
    static_assert(is_int32_labels<dtype_of<Y>>,
                  "mantissa::SoftmaxCrossEntropy: labels are int32 class indices (their dtype "
                  "is in the note below); convert them explicitly: cast<std::int32_t>(y)");
    static_assert(same_device<device_of<Y>, D>, "mantissa::SoftmaxCrossEntropy: logits and "
                                                "labels live on different devices (note below)");
    detail::require_cpu<D>();
    if constexpr (!(is_int32_labels<dtype_of<Y>> && same_device<device_of<Y>, D> && FloatDtype<dtype_of<L>>)) {
      return {0.0f, TensorView<const float, D>()};
    } else {
      const auto logits = cview(logits_);
      const auto labels = cview(labels_);
      if (logits.rank() != 2 || labels.rank() != 1 || labels.shape()[0] != logits.shape()[0])
        throw ShapeError("SoftmaxCrossEntropy: needs logits (N, C) and labels (N,), got " +
                         logits.shape().str() + " and " + labels.shape().str());
      auto grad = detail::loss_buffer(grad_, logits.shape());
      std::int64_t bad = -1;
      const float v = cpu::softmax_cross_entropy(logits.data(), labels.data(), logits.shape()[0],
                                                 logits.shape()[1], 1.0f, grad.data(), &bad);
      if (bad >= 0)
        throw DataError("SoftmaxCrossEntropy: label " + std::to_string(labels.data()[bad]) +
                        " at row " + std::to_string(bad) + " is outside [0, " +
                        std::to_string(logits.shape()[1]) + ")");
      return {v, grad};
    }
  }

 private:
  Tensor<float, Cpu> grad_;
};

class BinaryCrossEntropy {
 public:
  template <TensorLike L, TensorLike Y>
  LossValue<device_of<L>> operator()(const L& logits_, const Y& targets_) {
    using D = device_of<L>;
    detail::require_float_dtype<L>();
    static_assert(is_float_targets<dtype_of<Y>>,
                  "mantissa::BinaryCrossEntropy: targets are float32 in [0, 1] (their dtype is "
                  "in the note below); convert them explicitly: cast<float>(y)");
    static_assert(same_device<device_of<Y>, D>, "mantissa::BinaryCrossEntropy: logits and "
                                                "targets live on different devices (note below)");
    detail::require_cpu<D>();
    if constexpr (!(is_float_targets<dtype_of<Y>> && same_device<device_of<Y>, D> && FloatDtype<dtype_of<L>>)) {
      return {0.0f, TensorView<const float, D>()};
    } else {
      const auto logits = cview(logits_);
      const auto targets = cview(targets_);
      if (logits.numel() != targets.numel() || logits.rank() < 1 ||
          logits.numel() != logits.shape()[0])
        throw ShapeError("BinaryCrossEntropy: needs logits (N,) or (N, 1) and targets (N,), got " +
                         logits.shape().str() + " and " + targets.shape().str());
      auto grad = detail::loss_buffer(grad_, logits.shape());
      const float v = cpu::binary_cross_entropy(logits.data(), targets.data(), logits.numel(),
                                                1.0f, grad.data());
      return {v, grad};
    }
  }

 private:
  Tensor<float, Cpu> grad_;
};

class MeanSquaredError {
 public:
  template <TensorLike L, TensorLike Y>
  LossValue<device_of<L>> operator()(const L& y_, const Y& targets_) {
    using D = device_of<L>;
    detail::require_float_dtype<L>();
    static_assert(is_float_targets<dtype_of<Y>>,
                  "mantissa::MeanSquaredError: targets are float32 (their dtype is in the note "
                  "below); convert them explicitly: cast<float>(y)");
    static_assert(same_device<device_of<Y>, D>, "mantissa::MeanSquaredError: outputs and "
                                                "targets live on different devices (note below)");
    detail::require_cpu<D>();
    if constexpr (!(is_float_targets<dtype_of<Y>> && same_device<device_of<Y>, D> && FloatDtype<dtype_of<L>>)) {
      return {0.0f, TensorView<const float, D>()};
    } else {
      const auto y = cview(y_);
      const auto targets = cview(targets_);
      if (y.numel() != targets.numel())
        throw ShapeError("MeanSquaredError: outputs " + y.shape().str() + " and targets " +
                         targets.shape().str() + " differ in size");
      auto grad = detail::loss_buffer(grad_, y.shape());
      const float v = cpu::mean_squared_error(y.data(), targets.data(), y.numel(), 1.0f, grad.data());
      return {v, grad};
    }
  }

 private:
  Tensor<float, Cpu> grad_;
};

}  // namespace mantissa
