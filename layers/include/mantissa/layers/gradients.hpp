// mantissa/layers/gradients.hpp: what a backward pass hands to the optimizer, as types.
//
//   LossValue<D>        a loss's float32 value and its float32 gradient w.r.t. the logits
//   Gradients<P, D>     the model's float32 parameter gradients, *unscaled*: the only type
//                       clip_grad_norm and an optimizer's step accept
//
// (The mixed-precision issue adds ScaledGradients, which only a LossScaler can turn into
// Gradients: that is how "clipping before unscaling" becomes a compile error.)
#pragma once

#include <vector>

#include "mantissa/layers/parameter.hpp"

namespace mantissa {

template <Device D>
struct LossValue {
  float value;                       // the batch mean, float32 by signature
  TensorView<const float, D> grad;   // (N, ...) d(value)/d(logits), float32
};

template <Policy P, Device D>
class Gradients {
 public:
  explicit Gradients(std::vector<Parameter<P, D>*> params) : params_(std::move(params)) {}
  const std::vector<Parameter<P, D>*>& parameters() const noexcept { return params_; }

 private:
  std::vector<Parameter<P, D>*> params_;  // grads live in each Parameter::grad (float32)
};

}  // namespace mantissa
