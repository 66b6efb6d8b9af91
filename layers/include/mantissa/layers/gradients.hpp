// mantissa/layers/gradients.hpp: what flows from a loss to an optimizer, as types.
//
//   LossValue<D>          a loss's float32 value and float32 gradient w.r.t. the outputs
//   ScaledLoss<D>         the same, with the loss scale S that backward multiplies in
//                         (made only by LossScaler::scale)
//   ScaledGradients<P,D>  the model's float32 parameter gradients, still multiplied by S
//                         (made only by backward(ScaledLoss)); nothing accepts them but
//                         LossScaler::unscale
//   Gradients<P,D>        unscaled float32 gradients: the only type clip_grad_norm and an
//                         optimizer's step accept. Made by backward(LossValue) where the
//                         policy needs no scaling, or by LossScaler::unscale, which also
//                         records whether any gradient overflowed (the fused inf/NaN check).
//
// So clipping before unscaling, or stepping on scaled gradients, does not compile.
#pragma once

#include <string>
#include <vector>

#include "mantissa/layers/parameter.hpp"

namespace mantissa {

template <class T>
inline constexpr bool is_float32 = std::same_as<T, float>;

template <Device D>
struct LossValue {
  float value;                      // the batch mean, float32 by signature
  TensorView<const float, D> grad;  // (N, ...) d(value)/d(outputs), float32

  template <class V, class G>
    requires(is_float32<V> && is_float32<std::remove_const_t<G>>)
  LossValue(V v, TensorView<G, D> g) : value(v), grad(g.data(), g.shape()) {}

  // A loss is float32 by signature: a 16-bit value or gradient is a compile error.
  template <class V, class G>
    requires(!(is_float32<V> && is_float32<std::remove_const_t<G>>))
  LossValue(V, TensorView<G, D>) {
    static_assert(is_float32<V> && is_float32<std::remove_const_t<G>>,
                  "mantissa::LossValue: a loss's value and gradient are float32 (the offending "
                  "type is in the note below); compute the loss in float and return float");
  }
};

template <Device D>
struct ScaledLoss {
  LossValue<D> loss;
  float scale;  // S: backward starts from S * grad, rounded into the compute dtype
};

template <Policy P, Device D>
class ScaledGradients {
 public:
  const std::vector<Parameter<P, D>*>& parameters() const noexcept { return *params_; }
  float scale() const noexcept { return scale_; }

 private:
  template <Policy, Device>
  friend class Sequential;
  ScaledGradients(const std::vector<Parameter<P, D>*>& params, float scale)
      : params_(&params), scale_(scale) {}

  const std::vector<Parameter<P, D>*>* params_;  // the model's list: a step copies nothing
  float scale_;
};

class LossScaler;

template <Policy P, Device D>
class Gradients {
 public:
  // Hand-made gradients (a custom loss filled Parameter::grad): only where the policy needs
  // no loss scaling. Under mixed_float16 only LossScaler::unscale makes Gradients.
  // Refers to the list (a model's parameters()), which must outlive it.
  explicit Gradients(const std::vector<Parameter<P, D>*>& params)
    requires(!P::needs_loss_scaling)
      : params_(&params) {}
  explicit Gradients(std::vector<Parameter<P, D>*>&&) = delete;  // would dangle

  const std::vector<Parameter<P, D>*>& parameters() const noexcept { return *params_; }

  // Set by LossScaler::unscale: whether any gradient held inf or NaN after unscaling, and
  // where the first one was ("dense_1/kernel: 3 of 8192 non-finite").
  bool overflowed() const noexcept { return !overflow_.empty(); }
  const std::string& overflow_report() const noexcept { return overflow_; }
  void mark_overflow(std::string report) { overflow_ = std::move(report); }

 private:
  friend class LossScaler;
  struct unscaled_tag {};
  Gradients(unscaled_tag, const std::vector<Parameter<P, D>*>& params) : params_(&params) {}

  // The model's list (not a copy: a training step allocates nothing); the grads live in
  // each Parameter::grad (float32).
  const std::vector<Parameter<P, D>*>* params_;
  std::string overflow_;
};

}  // namespace mantissa
