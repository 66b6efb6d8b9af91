// optim/src/schedule.cpp: the learning-rate schedules.
#include "mantissa/optim/schedule.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "mantissa/core/error.hpp"

namespace mantissa::schedule {

LrSchedule constant(float lr) {
  return LrSchedule([lr](std::int64_t) { return lr; });
}

LrSchedule step_decay(float lr, std::int64_t every, float gamma) {
  if (every < 1) throw ValueError("step_decay: every must be >= 1, got " + std::to_string(every));
  return LrSchedule([=](std::int64_t step) {
    return lr * static_cast<float>(std::pow(static_cast<double>(gamma),
                                            static_cast<double>(step / every)));
  });
}

LrSchedule cosine(float lr, std::int64_t total, float min_lr) {
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
