// mistake: none: the positive control of narrow_scalar_double.cpp, one line changed (x * 2.0f)
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> twice(const Tensor<float>& x) { return x * 2.0f; }
