// mantissa/optim/loss_scaler.hpp: dynamic (or static) loss scaling for float16 training.
//
// What this object represents: the loss scale S and its history. Backward starts from
// S * dL/dy so that float16 gradients stay above float16's smallest subnormal (6e-8); the
// float32 parameter gradients come back multiplied by S, as ScaledGradients, and unscale()
// divides by S and checks for inf/NaN in the same pass, giving Gradients.
//
// The state machine (PyTorch's GradScaler, whose defaults these are):
//   a step whose gradients overflowed is skipped and S = max(S * backoff, ...);
//   after `growth_interval` consecutive clean steps S = min(S * growth, max_scale).
// Beyond PyTorch: S has a floor. Falling below min_scale means the gradients are not
// finite at any scale (the model diverged, or a layer emits inf in forward): that throws
// NumericsError naming the first tensor that overflowed, instead of a scale that decays to
// zero while nothing trains. A static scaler keeps S fixed and still skips overflowed steps.
// state() / load_state() carry S and both counters through checkpoints.
#pragma once

#include <cstdint>
#include <string>

#include "mantissa/layers/gradients.hpp"

namespace mantissa {

struct LossScalerOptions {
  float init_scale = 65536.0f;  // 2^16
  float growth_factor = 2.0f;
  float backoff_factor = 0.5f;
  std::int64_t growth_interval = 2000;
  float min_scale = 1.0f;          // the floor: below it, NumericsError
  float max_scale = 16777216.0f;   // the ceiling, 2^24
  bool dynamic = true;
};

class LossScaler {
 public:
  struct State {
    float scale;
    std::int64_t clean_steps;    // consecutive clean steps since the last change of S
    std::int64_t skipped_steps;  // all overflowed steps so far
    friend bool operator==(const State&, const State&) = default;
  };

  explicit LossScaler(LossScalerOptions o = {});
  static LossScaler fixed(float scale);  // a static scale

  float loss_scale() const noexcept { return s_.scale; }
  std::int64_t clean_steps() const noexcept { return s_.clean_steps; }
  std::int64_t skipped_steps() const noexcept { return s_.skipped_steps; }
  const LossScalerOptions& options() const noexcept { return o_; }
  State state() const noexcept { return s_; }
  void load_state(const State& s);

  // The loss, tagged with the current scale for backward: the only way to make a ScaledLoss.
  template <Device D>
  ScaledLoss<D> scale(const LossValue<D>& loss) const {
    return ScaledLoss<D>(loss, s_.scale);
  }

  // Divide every gradient by the scale backward used and count inf/NaN, in one pass over
  // the model's gradient arena on its device. Consumes the scaled gradients (pass the result
  // of backward, or std::move(scaled)): they are unscaled exactly once. Nothing is read back
  // here: the optimizer's step reads whether (and where first) a gradient overflowed.
  template <class S>
  auto unscale(S&& scaled) const {
    using X = std::remove_cvref_t<S>;
    static_assert(!is_gradients<X>,
                  "mantissa::LossScaler::unscale: these gradients are already unscaled (a "
                  "Gradients); pass them to clip_grad_norm or opt.step(std::move(grads), scaler)");
    static_assert(is_gradients<X> || is_scaled_gradients<X>,
                  "mantissa::LossScaler::unscale takes the ScaledGradients that "
                  "model.backward(scaler.scale(loss)) returned");
    static_assert(!(is_scaled_gradients<X> && (std::is_lvalue_reference_v<S> || std::is_const_v<std::remove_reference_t<S>>)),
                  "mantissa::LossScaler::unscale consumes the scaled gradients, so that they "
                  "are unscaled exactly once: scaler.unscale(std::move(scaled))");
    if constexpr (is_scaled_gradients<X> && !std::is_lvalue_reference_v<S> && !std::is_const_v<std::remove_reference_t<S>>)
      return unscale_impl(std::move(scaled));
  }

  // Whether the next overflow would take the scale below its floor (and so throw).
  bool backoff_reaches_floor() const noexcept {
    return o_.dynamic && s_.scale * o_.backoff_factor < o_.min_scale;
  }

  // Record a step's outcome: overflow backs off (or throws at the floor), clean steps grow.
  // `where` names the first overflowed tensor, for the floor's error message.
  // Called by the optimizer's step, which already records every step's outcome.
  void record_step(bool overflow, const std::string& where = {});
  // PyTorch's scaler.update() has no counterpart: opt.step(std::move(grads), scaler) updates
  // the scale; calling it again would count each step twice.
  template <class... A>
  void update(A&&...) = delete;  // opt.step(std::move(grads), scaler) already updates the scale

 private:
  template <Policy P, Device D>
  Gradients<P, D> unscale_impl(ScaledGradients<P, D>&& scaled) const {
    const float s = scaled.scale();
    auto& t = scaled.consume("unscale");
    ops::unscale_and_check(*t.ctx, t.arena.grad(), 1.0f / s);
    t.state = GradientState::unscaled;
    return Gradients<P, D>(t, s, true);
  }

  LossScalerOptions o_;
  State s_;
};

}  // namespace mantissa
