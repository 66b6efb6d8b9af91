// mistake: none: the positive control of narrow_scalar_double_left.cpp, one line changed (2.0f * x)
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> twice(const Tensor<float>& x) { return 2.0f * x; }
