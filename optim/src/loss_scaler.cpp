// optim/src/loss_scaler.cpp: the loss scaler's state machine.
#include "mantissa/optim/loss_scaler.hpp"

#include <cmath>
#include <sstream>

namespace mantissa {

LossScaler::LossScaler(LossScalerOptions o) : o_(o), s_{o.init_scale, 0, 0} {
  if (!(o.init_scale > 0.0f && std::isfinite(o.init_scale)))
    throw ValueError("LossScaler: init_scale must be positive and finite");
  if (!(o.growth_factor > 1.0f) || !(o.backoff_factor > 0.0f && o.backoff_factor < 1.0f))
    throw ValueError("LossScaler: growth_factor must be > 1 and backoff_factor in (0, 1)");
  if (o.growth_interval < 1) throw ValueError("LossScaler: growth_interval must be >= 1");
  if (!(o.min_scale > 0.0f && o.min_scale <= o.init_scale && o.init_scale <= o.max_scale))
    throw ValueError("LossScaler: need 0 < min_scale <= init_scale <= max_scale");
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
