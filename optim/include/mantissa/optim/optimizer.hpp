// mantissa/optim/optimizer.hpp: what SGD, Adam and AdamW share: the parameter list they
// update, their applied-step count, the learning rate (fixed or scheduled), the checks on the
// gradients they are handed, and the two forms of step:
//
//   opt.step(grads)           policies without loss scaling (float32, mixed_bfloat16)
//   opt.step(grads, scaler)   any policy; required by mixed_float16: skips the step when the
//                             gradients overflowed (weights and moments untouched, bit for
//                             bit) and lets the scaler back off or grow
//
// Both return a [[nodiscard]] StepOutcome. Derived classes implement apply(lr, step), one
// fused pass over the model's flat arenas. A step reads one thing back from the device: the
// step status (did the unscale pass find inf/NaN, was a label out of range).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mantissa/layers/gradients.hpp"
#include "mantissa/layers/losses.hpp"
#include "mantissa/optim/loss_scaler.hpp"
#include "mantissa/optim/schedule.hpp"
#include "mantissa/optim/step.hpp"

namespace mantissa {

template <class Q, class P>
inline constexpr bool same_policy = std::same_as<Q, P>;

template <Policy P, Device D, class Derived>
class OptimizerBase {
 public:
  using policy_type = P;
  std::int64_t steps() const noexcept { return steps_; }
  float lr() const { return schedule_ ? (*schedule_)(steps_) : lr_; }
  void set_lr(float lr) { lr_ = lr, schedule_.reset(); }
  const std::vector<Parameter<P, D>*>& parameters() const noexcept { return t_->params; }
  // Checkpoints restore the step count (schedules and Adam's bias correction depend on it).
  void set_steps(std::int64_t s) noexcept { steps_ = s; }

  template <Policy Q>
  StepOutcome step(const Gradients<Q, D>& grads) {
    static_assert(!needs_loss_scaling_v<Q>,
                  "mantissa: under this policy (note below) an optimizer steps with its loss "
                  "scaler: opt.step(grads, scaler), so overflowed steps are skipped and the "
                  "scale adapts");
    check(grads);
    if (grads.overflowed()) return {.applied = false, .step = steps_, .lr = lr()};
    return apply_step();
  }

  // Stepping on gradients that still carry the loss scale does not compile.
  template <Policy Q, class... Rest>
  StepOutcome step(const ScaledGradients<Q, D>&, Rest&&...) {
    static_assert(!std::same_as<Q, Q>,
                  "mantissa: an optimizer steps on unscaled gradients; unscale first: "
                  "opt.step(scaler.unscale(scaled), scaler)");
    return {};
  }

  template <Policy Q>
  StepOutcome step(const Gradients<Q, D>& grads, LossScaler& scaler) {
    check(grads);
    if (grads.overflowed()) {
      // The report reads the tensor back: only when the scaler is about to raise it.
      scaler.update(true, scaler.backoff_reaches_floor() ? grads.overflow_report() : std::string());
      return {.applied = false, .step = steps_, .lr = lr(), .scale = scaler.loss_scale()};
    }
    auto out = apply_step();
    scaler.update(false);
    out.scale = scaler.loss_scale();
    return out;
  }

 protected:
  OptimizerBase(Trainables<P, D>* t, float lr, std::optional<LrSchedule> s)
      : t_(t), lr_(lr), schedule_(std::move(s)) {
    if (!(lr > 0.0f) && !schedule_)
      throw ValueError("optimizer: the learning rate must be positive, got " + std::to_string(lr));
  }

  // The gradients must be this optimizer's model's; the step status must be clean of data
  // errors (a label out of range on a device raises here, at the step's one read).
  template <Policy Q>
  void check(const Gradients<Q, D>& g) const {
    static_assert(same_policy<Q, P>,
                  "mantissa: these gradients come from a model of another precision policy "
                  "than the optimizer's (both named in the note below); build the optimizer "
                  "from the model it steps: Adam opt(model, ...)");
    if constexpr (same_policy<Q, P>) {
      if (&g.trainables() != t_)
        throw StateError("optimizer step: the gradients belong to another model (" +
                         std::to_string(g.parameters().size()) + " tensors; the optimizer has " +
                         std::to_string(t_->params.size()) + ")");
      detail::raise_bad_label(g.status());
    }
  }

  // Per-parameter views of a state arena (moments), named as the parameters.
  std::vector<TensorView<float, D>> views_of(Tensor<float, D>& arena) const {
    std::vector<TensorView<float, D>> v;
    const auto& at = t_->arena.offsets();
    for (std::size_t i = 0; i < t_->params.size(); ++i)
      v.emplace_back(arena.data() + at[i], t_->params[i]->shape());
    return v;
  }

  Context<D>& context() const noexcept { return *t_->ctx; }

  // The model's parameters and arenas, for the constructor: a model of another policy than
  // the optimizer's does not compile.
  template <class Model>
  static Trainables<P, D>* trainables_of(Model& model) {
    using Q = typename Model::policy_type;
    static_assert(same_policy<Q, P>,
                  "mantissa: the optimizer's policy differs from the model's (model first in "
                  "the note below); let the model choose: Adam opt(model, ...) deduces it");
    if constexpr (same_policy<Q, P>) return &model.trainables();
    else return nullptr;
  }

  Trainables<P, D>* t_;
  std::int64_t steps_ = 0;
  float lr_;
  std::optional<LrSchedule> schedule_;

 private:
  StepOutcome apply_step() {
    const float lr = this->lr();
    static_cast<Derived*>(this)->apply(lr, steps_ + 1);
    return {.applied = true, .step = ++steps_, .lr = lr};
  }
};

}  // namespace mantissa
