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
//                         policy needs no scaling, or by LossScaler::unscale, whose fused
//                         pass also counts non-finite values on the device.
//
// So clipping before unscaling, or stepping on scaled gradients, does not compile.
//
// Host reads: a loss's value stays where the data is until value() is called; whether the
// gradients overflowed is read from the device once, by the optimizer's step (or by
// overflowed(), which caches it): the one host sync of a training step.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "mantissa/layers/parameter.hpp"

namespace mantissa {

template <class T>
inline constexpr bool is_float32 = std::same_as<T, float>;

template <Device D>
class LossValue {
 public:
  struct on_device_t {};
  static constexpr on_device_t on_device{};

  TensorView<const float, D> grad;  // (N, ...) d(value)/d(outputs), float32

  // A loss computed on the host (a custom loss): its value and the gradient it wrote.
  template <class V, class G>
    requires(is_float32<V> && is_float32<std::remove_const_t<G>>)
  LossValue(V v, TensorView<G, D> g) : grad(g.data(), g.shape()), host_value_(v) {}

  // A loss is float32 by signature: a 16-bit value or gradient is a compile error.
  template <class V, class G>
    requires(!(is_float32<V> && is_float32<std::remove_const_t<G>>))
  LossValue(V, TensorView<G, D>) {
    static_assert(is_float32<V> && is_float32<std::remove_const_t<G>>,
                  "mantissa::LossValue: a loss's value and gradient are float32 (the offending "
                  "type is in the note below); compute the loss in float and return float");
  }

  // The built-in losses: the value is one float32 where the data is.
  LossValue(on_device_t, TensorView<const float, D> value, TensorView<const float, D> g)
      : grad(g), device_value_(value) {}

  // The batch mean, float32. For a device-side value this is a host read.
  float value() const {
    if (device_value_.empty()) return host_value_;
    float v;
    copy_bytes<Cpu, D>(&v, device_value_.data(), sizeof v);
    return v;
  }
  // The value where the data is (1), or empty when the loss was computed on the host.
  TensorView<const float, D> device_value() const noexcept { return device_value_; }

 private:
  float host_value_ = 0.0f;
  TensorView<const float, D> device_value_;  // (1)
};

template <Device D>
struct ScaledLoss {
  LossValue<D> loss;
  float scale;  // S: backward starts from S * grad, rounded into the compute dtype
};

// What a model's gradient tokens refer to: its parameters, the arenas they live in and the
// context its work runs in. Owned by the model; tokens and optimizers point at it.
template <Policy P, Device D>
struct Trainables {
  std::vector<Parameter<P, D>*> params;  // every layer's parameters, in order
  ParameterArena<P, D> arena;
  Context<D>* ctx = nullptr;
  Tensor<float, D> norm;  // clip_grad_norm's result on the device (made at its first call)
};

template <Policy P, Device D>
class ScaledGradients {
 public:
  const std::vector<Parameter<P, D>*>& parameters() const noexcept { return t_->params; }
  Trainables<P, D>& trainables() const noexcept { return *t_; }
  float scale() const noexcept { return scale_; }

 private:
  template <Policy, Device>
  friend class Sequential;
  ScaledGradients(Trainables<P, D>& t, float scale) : t_(&t), scale_(scale) {}

  Trainables<P, D>* t_;  // the model's: a step copies nothing
  float scale_;
};

class LossScaler;

template <Policy P, Device D>
class Gradients {
 public:
  // Hand-made gradients (a custom loss filled Parameter::grad) of a model: only where the
  // policy needs no loss scaling. Under mixed_float16 only LossScaler::unscale makes
  // Gradients. The model must outlive them.
  template <class Model>
    requires(!P::needs_loss_scaling &&
             requires(Model& m) {
               { m.trainables() } -> std::same_as<Trainables<P, D>&>;
             })
  explicit Gradients(Model& model) : t_(&model.trainables()) {}

  const std::vector<Parameter<P, D>*>& parameters() const noexcept { return t_->params; }
  Trainables<P, D>& trainables() const noexcept { return *t_; }

  // The step status the kernels wrote on the device since the last step (non-finite
  // gradients, a label out of range): read once, here, and kept.
  const StepStatus& status() const {
    if (!status_) {
      status_ = t_->ctx->read_status();
      t_->ctx->reset_status();
    }
    return *status_;
  }

  // Whether LossScaler::unscale found inf or NaN in any gradient (a host read, once).
  bool overflowed() const { return checked_ && status().nonfinite > 0; }

  // Where the first non-finite gradient was ("dense_1/kernel: 3 of 8192 gradient values
  // non-finite at scale 65536"); empty when none. Reads that tensor back: for messages.
  std::string overflow_report() const;

 private:
  friend class LossScaler;
  struct unscaled_tag {};
  Gradients(unscaled_tag, Trainables<P, D>& t, float scale)
      : t_(&t), scale_(scale), checked_(true) {}

  Trainables<P, D>* t_;
  float scale_ = 1.0f;    // the scale the unscale pass divided by
  bool checked_ = false;  // an unscale pass counted non-finite values
  mutable std::optional<StepStatus> status_;
};

template <Policy P, Device D>
std::string Gradients<P, D>::overflow_report() const {
  if (!overflowed()) return {};
  const auto& s = status();
  const auto& arena = t_->arena;
  const auto k = arena.owner(s.first_nonfinite);
  const auto* p = t_->params.at(k);
  const auto bad = ops::count_nonfinite(*t_->ctx, p->grad).total();
  char scale[32];
  std::snprintf(scale, sizeof scale, "%g", static_cast<double>(scale_));
  return p->name + ": " + std::to_string(bad) + " of " + std::to_string(p->numel()) +
         " gradient values non-finite at scale " + scale;
}

}  // namespace mantissa
