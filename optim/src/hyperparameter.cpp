// optim/src/hyperparameter.cpp: the range checks of every hyperparameter (hyperparameter.hpp).
#include "mantissa/optim/hyperparameter.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "mantissa/core/error.hpp"

namespace mantissa::detail {

namespace {

bool in_range(float v, Range r) {
  if (!std::isfinite(v)) return false;
  switch (r) {
    case Range::positive: return v > 0.0f;
    case Range::non_negative: return v >= 0.0f;
    case Range::unit: return v >= 0.0f && v < 1.0f;
    case Range::open_unit: return v > 0.0f && v < 1.0f;
    case Range::above_one: return v > 1.0f;
  }
  return false;
}

const char* describe(Range r) {
  switch (r) {
    case Range::positive: return "finite and > 0";
    case Range::non_negative: return "finite and >= 0";
    case Range::unit: return "in [0, 1)";
    case Range::open_unit: return "in (0, 1)";
    case Range::above_one: return "finite and > 1";
  }
  return "";
}

// The shortest text that reads back as v ("0.0001", "nan", "-inf"): the value as given.
std::string text(float v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

float check_hyperparameter(const char* who, const char* name, float v, Range r) {
  if (in_range(v, r)) return v;
  throw ValueError(std::string(who) + ": " + name + " must be " + describe(r) + ", got " + text(v));
}

float check_scheduled_lr(const char* who, float lr, std::int64_t step) {
  if (std::isfinite(lr) && lr >= 0.0f) return lr;
  throw ValueError(std::string(who) + ": the learning-rate schedule gave lr " + text(lr) +
                   " at step " + std::to_string(step) +
                   "; a schedule must give finite values >= 0 (check its parameters)");
}

}  // namespace mantissa::detail
