// mistake: none: the positive control of narrow_scalar_bool.cpp, one line changed (x * 1.0f)
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> same(const Tensor<float>& x) { return x * 1.0f; }
