// mantissa/optim/optimizer.hpp: what SGD, Adam and AdamW share: the parameter list they
// update, their applied-step count, the learning rate (fixed or scheduled), the checks on the
// gradients they are handed, and the two forms of step:
//
//   opt.step(std::move(grads))           policies without loss scaling (float32, mixed_bfloat16)
//   opt.step(std::move(grads), scaler)   any policy; required by mixed_float16: skips the step when the
//                             gradients overflowed (weights and moments untouched, bit for
//                             bit) and lets the scaler back off or grow
//
// Both return a [[nodiscard]] StepOutcome; opt.on_nonfinite(Nonfinite::raise) makes a step
// with non-finite gradients a NumericsError instead (step.hpp says when, under a scaler).
// Derived classes implement apply(lr, step), one fused pass over the model's flat arenas. A
// step reads one thing back from the device: the step status (did the unscale pass find
// inf/NaN, was a label or target out of range).
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mantissa/layers/gradients.hpp"
#include "mantissa/layers/losses.hpp"
#include "mantissa/optim/hyperparameter.hpp"
#include "mantissa/optim/loss_scaler.hpp"
#include "mantissa/optim/schedule.hpp"
#include "mantissa/optim/step.hpp"

namespace mantissa {

template <Policy P, Device D, class Derived>
class OptimizerBase {
 public:
  using policy_type = P;
  std::int64_t steps() const noexcept { return steps_; }
  // The learning rate of the next step; a schedule's value is checked each time it is asked
  // (a user's schedule may give NaN or a negative rate at any step).
  float lr() const {
    return schedule_ ? detail::check_scheduled_lr(name_, (*schedule_)(steps_), steps_) : lr_;
  }
  void set_lr(float lr) {
    lr_ = detail::check_hyperparameter(name_, "lr", lr, detail::Range::positive);
    schedule_.reset();
  }
  const std::vector<Parameter<P, D>*>& parameters() const noexcept { return t_->params; }
  // Checkpoints restore the step count (schedules and Adam's bias correction depend on it).
  void set_steps(std::int64_t s) noexcept { steps_ = s; }

  // A step with inf/NaN gradients: skipped and counted (Nonfinite::skip, the default), or a
  // NumericsError naming the step and the first such parameter (Nonfinite::raise; under a
  // LossScaler only where no scale can help: step.hpp says when).
  void on_nonfinite(Nonfinite n) noexcept { nonfinite_ = n; }
  Nonfinite on_nonfinite() const noexcept { return nonfinite_; }

  // opt.step(std::move(grads)) or opt.step(std::move(grads), scaler): consumes the gradients
  // (a step is taken once per backward). One entry point, so that each wrong call gets one
  // message saying what to write instead.
  template <class G, class... S>
  StepOutcome step(G&& grads, S&&... scaler) {
    using X = std::remove_cvref_t<G>;
    static_assert(!is_scaled_gradients<X>,
                  "mantissa: an optimizer steps on unscaled gradients; unscale first: "
                  "opt.step(scaler.unscale(std::move(scaled)), scaler)");
    static_assert(is_scaled_gradients<X> || is_gradients<X>,
                  "mantissa: an optimizer steps on the Gradients a backward (or "
                  "LossScaler::unscale) returned: opt.step(model.backward(loss)) or "
                  "opt.step(scaler.unscale(model.backward(scaler.scale(loss))), scaler)");
    constexpr bool grads_ok = is_gradients<X>;
    constexpr bool rvalue = !std::is_lvalue_reference_v<G> && !std::is_const_v<std::remove_reference_t<G>>;
    static_assert(!grads_ok || rvalue,
                  "mantissa: an optimizer's step consumes the gradients (each is stepped once): "
                  "opt.step(std::move(grads), scaler), or opt.step(std::move(grads)) where the "
                  "policy needs no scaler");
    static_assert(sizeof...(S) <= 1, "mantissa: opt.step(std::move(grads)) or opt.step(std::move(grads), scaler)");
    constexpr bool scaler_ok = (... && std::same_as<S, LossScaler&>);
    static_assert(scaler_ok,
                  "mantissa: the second argument of opt.step is the model's LossScaler, passed "
                  "as a non-const reference (the step updates its scale)");
    if constexpr (grads_ok && rvalue && sizeof...(S) <= 1 && scaler_ok) {
      using Q = typename X::policy_type;
      check_policy<Q>();
      static_assert(same_device<typename X::device_type, D>,
                    "mantissa: these gradients live on another device than the optimizer's model "
                    "(note below); build the optimizer from the model it steps");
      if constexpr (same_policy<Q, P> && same_device<typename X::device_type, D>) {
        if constexpr (sizeof...(S) == 0) {
          static_assert(!needs_loss_scaling_v<Q>,
                        "mantissa: under this policy (note below) an optimizer steps with its "
                        "loss scaler: opt.step(std::move(grads), scaler), so overflowed steps "
                        "are skipped and the scale adapts");
          if constexpr (!needs_loss_scaling_v<Q>) return step_plain(grads);
          else return {};
        } else {
          return step_scaled(grads, scaler...);
        }
      } else {
        return {};
      }
    } else {
      return {};
    }
  }

 protected:
  // `name` ("SGD", "Adam", "AdamW") prefixes every hyperparameter error.
  OptimizerBase(Trainables<P, D>* t, float lr, std::optional<LrSchedule> s, const char* name)
      : t_(t), model_alive_(t ? t->lifetime.stamp() : Stamp()), lr_(lr), schedule_(std::move(s)),
        name_(name) {
    if (!schedule_) detail::check_hyperparameter(name_, "lr", lr, detail::Range::positive);
  }

  // The gradients must be this optimizer's model's; the step status must be clean of data
  // errors (a label out of range on a device raises here, at the step's one read).
  template <class Q>
  static constexpr void check_policy() {
    static_assert(same_policy<Q, P>,
                  "mantissa: these gradients come from a model of another precision policy "
                  "than the optimizer's (both named in the note below); build the optimizer "
                  "from the model it steps: Adam opt(model, ...)");
  }
  void check(const Gradients<P, D>& g) const {
    check_model_alive();
    if (&g.trainables() != t_)
      throw StateError("optimizer step: the gradients belong to another model (" +
                       std::to_string(g.parameters().size()) + " tensors; the optimizer has " +
                       std::to_string(t_->params.size()) + ")");
    detail::raise_bad_label(g.status());
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

  // The model this optimizer was built from must still exist (a model destroyed and another
  // made in its place, even at the same address, would be stepped with the old state).
  void check_model_alive() const {
    if (!model_alive_.live())
      throw StateError("optimizer: the model it was built from no longer exists (a new model "
                       "in its place needs a new optimizer: Adam opt(model, ...))");
  }

  Trainables<P, D>* t_;
  Stamp model_alive_;
  std::int64_t steps_ = 0;
  float lr_;
  std::optional<LrSchedule> schedule_;
  const char* name_;
  Nonfinite nonfinite_ = Nonfinite::skip;

 private:
  StepOutcome step_plain(Gradients<P, D>& grads) {
    // float32 and bfloat16 get float16's guard: gradients with inf/NaN (a NaN loss, a
    // diverged model) skip the step, counted in the outcome, instead of making every master
    // weight NaN. One pass over the arena; the step status is read anyway (labels).
    count_nonfinite(grads);
    check(grads);
    const bool overflow = grads.overflowed();
    if (overflow && nonfinite_ == Nonfinite::raise) raise_nonfinite(grads, {});
    grads.consume("step on").state = GradientState::none;
    if (overflow) return {.applied = false, .step = steps_, .lr = lr()};
    return apply_step();
  }
  StepOutcome step_scaled(Gradients<P, D>& grads, LossScaler& scaler) {
    count_nonfinite(grads);
    check(grads);
    const bool overflow = grads.overflowed();
    // The loss is read back only here: a raising optimizer's overflowed step.
    std::optional<LossValue<D>> loss = std::exchange(grads.trainables().scaled_loss, std::nullopt);
    if (overflow && nonfinite_ == Nonfinite::raise) {
      if (loss && loss->live())  // a loss object run again since: unknown, treated as overflow
        if (const float v = loss->value(); !std::isfinite(v))
          raise_nonfinite(grads, "the loss itself is " + detail::printed(v) +
                                     ", which no loss scale mends");
      if (!scaler.options().dynamic)
        raise_nonfinite(grads, "the loss scale is static (" + detail::printed(scaler.loss_scale()) +
                                   "), so no smaller one will be tried");
    }
    // The report reads the tensor back: only when the scaler is about to raise it.
    const std::string where =
        overflow && scaler.backoff_reaches_floor() ? grads.overflow_report() : std::string();
    grads.consume("step on").state = GradientState::none;
    if (overflow) {
      scaler.record_step(true, where);
      return {.applied = false, .step = steps_, .lr = lr(), .scale = scaler.loss_scale()};
    }
    auto out = apply_step();
    scaler.record_step(false);
    out.scale = scaler.loss_scale();
    return out;
  }

  // Nonfinite::raise: the gradients are used up (a stale token cannot be stepped later) and
  // nothing else changes. The parameter is found on the host from the status already read.
  [[noreturn]] void raise_nonfinite(Gradients<P, D>& grads, const std::string& why) {
    const StepStatus& s = grads.status();
    auto& t = grads.consume("step on");
    t.state = GradientState::none;
    const auto* p = t.params.at(t.arena.owner(s.first_nonfinite));
    detail::raise_nonfinite_step(name_, steps_, s.nonfinite, p->name, why);
  }

  // Gradients not from LossScaler::unscale: count inf/NaN now (a pass dividing by 1), before
  // the step status is read.
  void count_nonfinite(Gradients<P, D>& grads) {
    if (grads.checked_ || grads.status_) return;
    auto& t = grads.trainables();
    if (&t == t_) {
      ops::unscale_and_check(*t.ctx, t.arena.grad(), 1.0f);
      grads.checked_ = true;
    }
  }

  StepOutcome apply_step() {
    const float lr = this->lr();
    static_cast<Derived*>(this)->apply(lr, steps_ + 1);
    return {.applied = true, .step = ++steps_, .lr = lr};
  }
};

}  // namespace mantissa
