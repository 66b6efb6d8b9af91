// mistake: none: the positive control of narrow_scalar_tiny_double.cpp, one line changed (x - 1e-30f)
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> shift(const Tensor<float>& x) { return x - 1e-30f; }
