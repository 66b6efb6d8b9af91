// mantissa/optim/hyperparameter.hpp: the one check every hyperparameter passes where it enters
// (an optimizer's options, set_lr, each value a schedule gives, clip_grad_norm's max_norm, a
// loss scaler's options). A NaN learning rate would otherwise train to NaN weights without a
// word; here it is a ValueError naming the parameter and the value given.
#pragma once

#include <cstdint>

namespace mantissa::detail {

// The ranges a hyperparameter may have to lie in; every one also requires a finite value.
enum class Range {
  positive,      // (0, inf): a learning rate, eps, a max_norm, a scale
  non_negative,  // [0, inf): weight decay, a schedule's floor
  unit,          // [0, 1): momentum, Adam's betas
  open_unit,     // (0, 1): a loss scaler's backoff
  above_one,     // (1, inf): a loss scaler's growth
};

// Returns v when it is finite and in r; else throws ValueError
// "<who>: <name> must be <range>, got <v>".
float check_hyperparameter(const char* who, const char* name, float v, Range r);

// A learning rate a schedule gave at `step`: finite and >= 0, else ValueError naming both.
float check_scheduled_lr(const char* who, float lr, std::int64_t step);

}  // namespace mantissa::detail
