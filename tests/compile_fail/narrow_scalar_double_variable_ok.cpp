// mistake: none: the positive control of narrow_scalar_double_variable.cpp, one line changed (x * static_cast<float>(lr))
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> scale(const Tensor<float>& x, double lr) { return x * static_cast<float>(lr); }
