// mistake: none: the positive control of narrow_full_float_int.cpp, one line changed (Shape{4}, 1.0f))
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> ones() { return full<float>(Shape{4}, 1.0f); }
