// optim/src/nonfinite.cpp: the message of an optimizer told to raise on non-finite gradients
// (Nonfinite::raise, step.hpp).
#include "mantissa/optim/step.hpp"

#include <cstdio>

namespace mantissa::detail {

std::string printed(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

void raise_nonfinite_step(const char* optimizer, std::int64_t applied, std::int64_t count,
                          const std::string& parameter, const std::string& why) {
  std::string msg = std::string(optimizer) + ": step " + std::to_string(applied + 1) +
                    " (after " + std::to_string(applied) + " applied): " +
                    std::to_string(count) + " gradient value" + (count == 1 ? " is" : "s are") +
                    " inf or NaN, the first in '" + parameter + "'";
  if (!why.empty()) msg += "; " + why;
  msg += ". The step was not applied (on_nonfinite(Nonfinite::raise); Nonfinite::skip skips "
         "and counts it instead). model.check_numerics(true) names the layer and pass that "
         "first made a non-finite value";
  throw NumericsError(msg);
}

}  // namespace mantissa::detail
