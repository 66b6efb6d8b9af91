// mantissa/layers/gradients.hpp: what flows from a loss to an optimizer, as types.
//
//   LossValue<D>          a loss's float32 value and float32 gradient w.r.t. the outputs
//                         (copyable; checked: once the loss object runs again or is
//                         destroyed, reading it is a StateError; a custom loss's
//                         LossValue(value, std::move(grad)) owns its gradient)
//   ScaledLoss<D>         the same, with the loss scale S that backward multiplies in. Made
//                         only by LossScaler::scale; move-only, used once by backward
//   ScaledGradients<P,D>  the model's float32 parameter gradients, still multiplied by S.
//                         Made only by backward(ScaledLoss); move-only; consumed by
//                         LossScaler::unscale (or by the next micro-batch's backward, which
//                         adds into them)
//   Gradients<P,D>        unscaled float32 gradients: the only type clip_grad_norm and an
//                         optimizer's step accept; move-only; consumed by the step. Made by
//                         backward(LossValue) where the policy needs no scaling, or by
//                         LossScaler::unscale, whose fused pass also counts non-finite values.
//
// So the protocol is linear and held by the types: clipping or stepping before unscaling,
// unscaling or stepping twice, a float16 backward without a scaler, do not compile. What
// the types cannot see (a token moved from and used again, a token whose model has run
// backward again since, another model's token) the model's gradient generation catches at
// run time: a StateError naming the fix, before any buffer is touched.
//
// Gradient accumulation over micro-batches is the same calls with the previous token:
//   auto scaled = model.backward(scaler.scale(loss_fn(model.forward(x0, Mode::train), y0)));
//   scaled = model.backward(scaler.scale(loss_fn(model.forward(x1, Mode::train), y1)), std::move(scaled));
//   auto outcome = opt.step(scaler.unscale(std::move(scaled)), scaler);   // unscaled once
//
// Host reads: a loss's value stays where the data is until value() is called; whether the
// gradients overflowed is read from the device once, by the optimizer's step (or by
// overflowed(), which caches it): the one host sync of a training step.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mantissa/core/lifetime.hpp"
#include "mantissa/layers/parameter.hpp"

namespace mantissa {

template <class T>
inline constexpr bool is_float32 = std::same_as<T, float>;

template <Device D>
class LossValue {
 public:
  struct on_device_t {};
  static constexpr on_device_t on_device{};

  // A loss computed by the caller (a custom loss): its float32 value and gradient, which the
  // LossValue takes and keeps until backward has run (so no view of the caller's memory can
  // outlive it):
  //   Tensor<float> grad(outputs.shape());  ... fill it ...
  //   return LossValue<Cpu>(value, std::move(grad));
  LossValue(float v, Tensor<float, D>&& g)
      : owned_grad_(std::make_shared<const Tensor<float, D>>(std::move(g))),
        grad_(owned_grad_->view()),
        host_value_(v) {}

  // Anything else as (value, gradient): one message naming the fix.
  template <class V, class G>
    requires(!(std::same_as<V, float> && std::same_as<G, Tensor<float, D>>))
  LossValue(V, G&&) {
    constexpr int kind = loss_gradient_kind<std::remove_cvref_t<G>>();
    static_assert(is_float32<V> && kind != 1,
                  "mantissa::LossValue: a loss's value and gradient are float32 (the offending "
                  "type is in the note below); compute the loss in float and return float");
    static_assert(kind != 0,
                  "mantissa::LossValue(value, grad): the gradient is a Tensor<float, D> of the "
                  "outputs' shape (its type is G in the line above)");
    static_assert(kind != 2,
                  "mantissa::LossValue<D>: the gradient is on another device than the "
                  "LossValue's (G and D in the line above); move it: to<D>(grad)");
    static_assert(!is_float32<V> || kind != 3,
                  "mantissa::LossValue(value, grad): the LossValue takes the gradient tensor "
                  "and keeps it until backward, so a view (which could outlive its tensor) or "
                  "a named tensor (which would be copied) is not accepted: pass "
                  "std::move(grad), or grad.clone() to keep your own");
  }

  // The built-in losses: the value is one float32 where the data is, both in the loss
  // object's workspace, valid while `stamp` is live.
  LossValue(on_device_t, TensorView<const float, D> value, TensorView<const float, D> g, Stamp stamp)
      : grad_(g), device_value_(value), stamp_(std::move(stamp)), checked_(true) {}

  // d(value)/d(outputs), (N, ...) float32, checked like a forward's output: reading it after
  // the loss object has run again is a StateError (clone() it to keep it).
  OutputView<float, D> grad() const {
    check();
    return OutputView<float, D>(grad_, checked_ ? stamp_ : forever_stamp(),
                                "LossValue::grad (the loss object's buffer, overwritten by its "
                                "next call)");
  }
  bool live() const noexcept { return !checked_ || stamp_.live(); }

  // Whether the outputs it was computed from are still the model's current ones (true when
  // they were not a model's OutputView): backward refuses a loss of an older forward.
  bool from_current_outputs() const noexcept { return !has_source_ || source_.live(); }
  void set_source(Stamp s) {
    source_ = std::move(s);
    has_source_ = true;
  }

  // The batch mean, float32. For a device-side value this is a host read.
  float value() const {
    check();
    if (device_value_.empty()) return host_value_;
    float v;
    copy_bytes<Cpu, D>(&v, device_value_.data(), sizeof v);
    return v;
  }
  // The value where the data is (1), or empty when the loss was computed on the host.
  TensorView<const float, D> device_value() const { return check(), device_value_; }

 private:
  void check() const {
    if (checked_ && !stamp_.live())
      throw StateError(
          "LossValue: stale: the loss object that computed it has since been called again or "
          "destroyed, and its gradient buffer holds another batch's values (or none). Use a "
          "LossValue before the next call of the same loss object, and keep the loss object "
          "alive until backward has run");
  }

  // What a (value, gradient) pair's gradient is: 0 not a tensor, 1 not float32, 2 on another
  // device, 3 a float32 view or named tensor on D.
  template <class T>
  static consteval int loss_gradient_kind() {
    if constexpr (!TensorLike<T>)
      return 0;
    else if constexpr (!is_float32<dtype_of<T>>)
      return 1;
    else if constexpr (!same_device<device_of<T>, D>)
      return 2;
    else
      return 3;
  }

  std::shared_ptr<const Tensor<float, D>> owned_grad_;  // a custom loss's gradient (else null)
  TensorView<const float, D> grad_;
  float host_value_ = 0.0f;
  TensorView<const float, D> device_value_;  // (1)
  Stamp stamp_;
  bool checked_ = false;  // made by a built-in loss: stamp_ says whether it is still valid
  Stamp source_;          // the forward output it was computed from, if any
  bool has_source_ = false;
};

class LossScaler;
template <Policy P, Device D>
class Sequential;

template <Device D>
class ScaledLoss {
 public:
  ScaledLoss(ScaledLoss&& o) noexcept : loss_(o.loss_), scale_(std::exchange(o.scale_, 0.0f)) {}
  ScaledLoss& operator=(ScaledLoss&& o) noexcept {
    loss_ = o.loss_;
    scale_ = std::exchange(o.scale_, 0.0f);
    return *this;
  }
  ScaledLoss(const ScaledLoss&) = delete;  // used once, by backward: model.backward(scaler.scale(loss))

  const LossValue<D>& loss() const noexcept { return loss_; }
  float scale() const noexcept { return scale_; }  // 0 once moved from

 private:
  friend class LossScaler;
  template <Policy, Device>
  friend class Sequential;
  float take() noexcept { return std::exchange(scale_, 0.0f); }  // backward uses it up
  ScaledLoss(const LossValue<D>& l, float s) : loss_(l), scale_(s) {}  // made only by LossScaler::scale(loss)

  LossValue<D> loss_;
  float scale_;  // S: backward starts from S * grad, rounded into the compute dtype
};

template <class X>
inline constexpr bool is_scaled_loss = false;
template <Device D>
inline constexpr bool is_scaled_loss<ScaledLoss<D>> = true;
template <class X>
inline constexpr bool is_loss_value = false;
template <Device D>
inline constexpr bool is_loss_value<LossValue<D>> = true;

// Whether the model's gradient arena holds scaled values (a backward from a ScaledLoss has
// run and no unscale since).
enum class GradientState : unsigned char { none, scaled, unscaled };

// What a model's gradient tokens refer to: its parameters, the arenas they live in and the
// context its work runs in. Owned by the model; tokens and optimizers point at it.
template <Policy P, Device D>
struct Trainables {
  std::vector<Parameter<P, D>*> params;  // every layer's parameters, in order
  ParameterArena<P, D> arena;
  Context<D>* ctx = nullptr;
  Tensor<float, D> norm;  // clip_grad_norm's result on the device (made at its first call)
  // Advanced by every backward, unscale and step: a token made before is stale.
  Generation generation;
  // Never advanced until the model dies: what an optimizer checks its model by.
  Generation lifetime;
  GradientState state = GradientState::none;
  // The loss of the last backward from a ScaledLoss: an optimizer told to raise on non-finite
  // gradients reads it (only then) to tell a non-finite loss, which no scale mends, from a
  // float16 overflow, which a smaller scale does.
  std::optional<LossValue<D>> scaled_loss;
};

namespace detail {
// The checks every token use shares: a token moved from, stale, or of another model.
[[noreturn]] void throw_token_error(const char* token, const char* use, bool moved_from);

template <Policy P, Device D>
class GradientToken {
 public:
  using policy_type = P;
  using device_type = D;

  GradientToken(GradientToken&& o) noexcept
      : t_(std::exchange(o.t_, nullptr)), stamp_(std::move(o.stamp_)), scale_(o.scale_) {}
  GradientToken& operator=(GradientToken&& o) noexcept {
    t_ = std::exchange(o.t_, nullptr);
    stamp_ = std::move(o.stamp_);
    scale_ = o.scale_;
    return *this;
  }
  GradientToken(const GradientToken&) = delete;  // move-only: each gradient token is used once (pass std::move(grads))
  GradientToken& operator=(const GradientToken&) = delete;

  // Whether this token is usable: not moved from, and no backward, unscale or step of its
  // model has run since it was made.
  bool valid() const noexcept { return t_ && stamp_.live(); }

 protected:
  GradientToken(Trainables<P, D>& t, float scale) : t_(&t), stamp_(t.generation.stamp()), scale_(scale) {}
  ~GradientToken() = default;

  // The model's trainables, after checking the token may be used for `use`.
  Trainables<P, D>& live(const char* token, const char* use) const {
    if (!t_) throw_token_error(token, use, true);
    if (!stamp_.live()) throw_token_error(token, use, false);
    return *t_;
  }
  // Uses the token up: the model's generation advances, so no copy of it stays valid.
  Trainables<P, D>& consume(const char* token, const char* use) {
    auto& t = live(token, use);
    t_ = nullptr;
    t.generation.advance();
    return t;
  }

  Trainables<P, D>* t_;
  Stamp stamp_;
  float scale_;
};
}  // namespace detail

template <Policy P, Device D>
class ScaledGradients : public detail::GradientToken<P, D> {
 public:
  ScaledGradients(ScaledGradients&&) noexcept = default;
  ScaledGradients& operator=(ScaledGradients&&) noexcept = default;
  ScaledGradients(const ScaledGradients&) = delete;  // move-only: unscaled once: scaler.unscale(std::move(scaled))
  ScaledGradients& operator=(const ScaledGradients&) = delete;
  const std::vector<Parameter<P, D>*>& parameters() const { return trainables().params; }
  Trainables<P, D>& trainables() const { return this->live("ScaledGradients", "read"); }
  float scale() const noexcept { return this->scale_; }

 private:
  template <Policy, Device>
  friend class Sequential;
  friend class LossScaler;
  ScaledGradients(Trainables<P, D>& t, float scale) : detail::GradientToken<P, D>(t, scale) {}
  Trainables<P, D>& consume(const char* use) { return detail::GradientToken<P, D>::consume("ScaledGradients", use); }
};

template <Policy P, Device D>
class Gradients : public detail::GradientToken<P, D> {
 public:
  Gradients(Gradients&&) noexcept = default;
  Gradients& operator=(Gradients&&) noexcept = default;
  Gradients(const Gradients&) = delete;  // move-only: stepped once: opt.step(std::move(grads), ...)
  Gradients& operator=(const Gradients&) = delete;
  // Hand-made gradients of a model whose Parameter::grad a custom loop filled: only where the
  // policy needs no loss scaling (under mixed_float16 only LossScaler::unscale makes
  // Gradients), and not while the model's gradients are still scaled (a StateError then).
  template <class Model>
    requires(!std::is_base_of_v<detail::GradientToken<P, D>, Model> &&
             requires(Model& m) {
               { m.trainables() } -> std::same_as<Trainables<P, D>&>;
             })
  explicit Gradients(Model& model) : Gradients(checked_by_hand(model.trainables()), 1.0f) {
    static_assert(!needs_loss_scaling_v<P>,
                  "mantissa::Gradients: under this policy (note below) gradients come only from "
                  "LossScaler::unscale: auto grads = "
                  "scaler.unscale(model.backward(scaler.scale(loss)))");
  }

  const std::vector<Parameter<P, D>*>& parameters() const { return trainables().params; }
  Trainables<P, D>& trainables() const { return this->live("Gradients", "read"); }

  // The step status the kernels wrote on the device since the last step (non-finite
  // gradients, a label out of range): read once, here, and kept.
  const StepStatus& status() const {
    if (!status_) {
      auto& t = trainables();
      status_ = t.ctx->read_status();
      t.ctx->reset_status();
    }
    return *status_;
  }

  // Whether LossScaler::unscale found inf or NaN in any gradient (a host read, once).
  bool overflowed() const { return checked_ && status().nonfinite > 0; }

  // Whether LossScaler::unscale made these (its inf/NaN count is already taken, so a
  // distributed average of them would come too late: average the ScaledGradients instead).
  bool from_unscale() const noexcept { return checked_; }

  // Where the first non-finite gradient was ("dense_1/kernel: 3 of 8192 gradient values
  // non-finite at scale 65536"); empty when none. Reads that tensor back: for messages.
  std::string overflow_report() const;

 private:
  friend class LossScaler;
  template <Policy, Device>
  friend class Sequential;
  template <Policy, Device, class>
  friend class OptimizerBase;

  static Trainables<P, D>& checked_by_hand(Trainables<P, D>& t) {
    if (t.state == GradientState::scaled)
      throw StateError(
          "Gradients(model): the model's gradients are still multiplied by the loss scale (the "
          "last backward was from scaler.scale(loss)); unscale them instead: auto grads = "
          "scaler.unscale(std::move(scaled))");
    return t;
  }
  Gradients(Trainables<P, D>& t, float scale, bool checked = false)
      : detail::GradientToken<P, D>(t, scale), checked_(checked) {}
  Trainables<P, D>& consume(const char* use) { return detail::GradientToken<P, D>::consume("Gradients", use); }

  bool checked_ = false;  // an unscale pass counted non-finite values
  mutable std::optional<StepStatus> status_;
};

template <Policy P, Device D>
std::string Gradients<P, D>::overflow_report() const {
  if (!overflowed()) return {};
  const auto& s = status();
  auto& t = trainables();
  const auto k = t.arena.owner(s.first_nonfinite);
  const auto* p = t.params.at(k);
  const auto bad = ops::count_nonfinite(*t.ctx, p->grad).total();
  char scale[32];
  std::snprintf(scale, sizeof scale, "%g", static_cast<double>(this->scale_));
  return p->name + ": " + std::to_string(bad) + " of " + std::to_string(p->numel()) +
         " gradient values non-finite at scale " + scale;
}

template <class X>
inline constexpr bool is_scaled_gradients = false;
template <Policy P, Device D>
inline constexpr bool is_scaled_gradients<ScaledGradients<P, D>> = true;
template <class X>
inline constexpr bool is_gradients = false;
template <Policy P, Device D>
inline constexpr bool is_gradients<Gradients<P, D>> = true;

}  // namespace mantissa
