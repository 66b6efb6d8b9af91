// mantissa/optim/schedule.hpp: learning-rate schedules, as functions of the applied-step
// count (skipped steps do not advance them). Composable: warmup(500, cosine(1e-3, 10000)).
//
//   constant(lr)                     lr
//   step_decay(lr, every, gamma)     lr * gamma^(floor(step / every))   (PyTorch StepLR)
//   cosine(lr, total, min_lr = 0)    min_lr + (lr - min_lr) (1 + cos(pi step / total)) / 2,
//                                    min_lr after total              (CosineAnnealingLR)
//   warmup(steps, then)              then(0) * (step + 1) / steps for step < steps, then
//                                    then(step - steps)             (linear warm-up)
#pragma once

#include <cstdint>
#include <functional>

namespace mantissa {

class LrSchedule {
 public:
  using Fn = std::function<float(std::int64_t step)>;
  explicit LrSchedule(Fn f) : f_(std::move(f)) {}
  float operator()(std::int64_t step) const { return f_(step); }

 private:
  Fn f_;
};

namespace schedule {
LrSchedule constant(float lr);
LrSchedule step_decay(float lr, std::int64_t every, float gamma);
LrSchedule cosine(float lr, std::int64_t total, float min_lr = 0.0f);
LrSchedule warmup(std::int64_t steps, LrSchedule then);
}  // namespace schedule

}  // namespace mantissa
