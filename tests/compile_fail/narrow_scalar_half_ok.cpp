// mistake: none: the positive control of narrow_scalar_half.cpp, one line changed (h * float(s))
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<half> scale(const Tensor<half>& h, half s) { return h * float(s); }
