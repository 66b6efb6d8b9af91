// optim/src/schedule.cpp: the learning-rate schedules.
#include "mantissa/optim/schedule.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "mantissa/core/error.hpp"
#include "mantissa/optim/hyperparameter.hpp"

namespace mantissa::schedule {

// Each factory checks its own parameters; the optimizer checks each value again as it is used
// (OptimizerBase::lr), which also covers schedules a user writes.
using detail::check_hyperparameter;
using detail::Range;

LrSchedule constant(float lr) {
  check_hyperparameter("schedule::constant", "lr", lr, Range::positive);
  return LrSchedule([lr](std::int64_t) { return lr; });
}

LrSchedule step_decay(float lr, std::int64_t every, float gamma) {
  check_hyperparameter("schedule::step_decay", "lr", lr, Range::positive);
  check_hyperparameter("schedule::step_decay", "gamma", gamma, Range::positive);
  if (every < 1) throw ValueError("step_decay: every must be >= 1, got " + std::to_string(every));
  return LrSchedule([=](std::int64_t step) {
    return lr * static_cast<float>(std::pow(static_cast<double>(gamma),
                                            static_cast<double>(step / every)));
  });
}

LrSchedule cosine(float lr, std::int64_t total, float min_lr) {
  check_hyperparameter("schedule::cosine", "lr", lr, Range::positive);
  check_hyperparameter("schedule::cosine", "min_lr", min_lr, Range::non_negative);
  if (total < 1) throw ValueError("cosine: total must be >= 1, got " + std::to_string(total));
  return LrSchedule([=](std::int64_t step) {
    if (step >= total) return min_lr;
    const double t = static_cast<double>(step) / static_cast<double>(total);
    return min_lr + (lr - min_lr) * static_cast<float>(0.5 * (1.0 + std::cos(std::numbers::pi * t)));
  });
}

LrSchedule warmup(std::int64_t steps, LrSchedule then) {
  if (steps < 1) throw ValueError("warmup: steps must be >= 1, got " + std::to_string(steps));
  return LrSchedule([=](std::int64_t step) {
    if (step < steps)
      return then(0) * static_cast<float>(step + 1) / static_cast<float>(steps);
    return then(step - steps);
  });
}

}  // namespace mantissa::schedule
