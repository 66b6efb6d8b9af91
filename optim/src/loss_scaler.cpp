// optim/src/loss_scaler.cpp: the loss scaler's state machine.
#include "mantissa/optim/loss_scaler.hpp"

#include <cmath>
#include <sstream>

#include "mantissa/optim/hyperparameter.hpp"

namespace mantissa {

LossScaler::LossScaler(LossScalerOptions o) : o_(o), s_{o.init_scale, 0, 0} {
  using detail::check_hyperparameter;
  using detail::Range;
  check_hyperparameter("LossScaler", "init_scale", o.init_scale, Range::positive);
  check_hyperparameter("LossScaler", "min_scale", o.min_scale, Range::positive);
  check_hyperparameter("LossScaler", "max_scale", o.max_scale, Range::positive);
  check_hyperparameter("LossScaler", "growth_factor", o.growth_factor, Range::above_one);
  check_hyperparameter("LossScaler", "backoff_factor", o.backoff_factor, Range::open_unit);
  if (o.growth_interval < 1)
    throw ValueError("LossScaler: growth_interval must be >= 1, got " +
                     std::to_string(o.growth_interval));
  if (!(o.min_scale <= o.init_scale && o.init_scale <= o.max_scale)) {
    std::ostringstream msg;
    msg << "LossScaler: need min_scale <= init_scale <= max_scale, got " << o.min_scale << ", "
        << o.init_scale << ", " << o.max_scale;
    throw ValueError(msg.str());
  }
}

LossScaler LossScaler::fixed(float scale) {
  return LossScaler({.init_scale = scale, .min_scale = scale, .max_scale = scale,
                     .dynamic = false});
}

void LossScaler::load_state(const State& s) {
  if (!(s.scale > 0.0f && std::isfinite(s.scale)) || s.clean_steps < 0 || s.skipped_steps < 0)
    throw ValueError("LossScaler::load_state: invalid state (scale " + std::to_string(s.scale) + ")");
  s_ = s;
}

void LossScaler::record_step(bool overflow, const std::string& where) {
  if (overflow) {
    ++s_.skipped_steps;
    s_.clean_steps = 0;
    if (!o_.dynamic) return;
    const float next = s_.scale * o_.backoff_factor;
    if (next < o_.min_scale) {
      std::ostringstream msg;
      msg << "LossScaler: the loss scale would fall to " << next << ", below its floor "
          << o_.min_scale << ", after " << s_.skipped_steps
          << " skipped steps: the gradients are not finite at any scale. First non-finite "
             "gradient: "
          << (where.empty() ? "(unknown)" : where)
          << ". The model diverged or a layer produces inf/NaN; "
             "model.check_numerics(true) names the layer";
      throw NumericsError(msg.str());
    }
    s_.scale = next;
    return;
  }
  if (!o_.dynamic) return;
  if (++s_.clean_steps >= o_.growth_interval) {
    s_.scale = std::min(s_.scale * o_.growth_factor, o_.max_scale);
    s_.clean_steps = 0;
  }
}

}  // namespace mantissa
