// mistake: mean_absolute_error with float16 targets (the model's dtype, not the metric's)
// expect-first: static assertion failed: mantissa::mean_absolute_error: targets are float32
// expect-head: cast<float>\(targets\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;

float f(const Tensor<half>& y, const Tensor<half>& targets) {
  return mean_absolute_error(y, targets);  // fix: return mean_absolute_error(y, cast<float>(targets));
}
