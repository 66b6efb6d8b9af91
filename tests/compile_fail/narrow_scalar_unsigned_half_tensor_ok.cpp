// mistake: none: the positive control of narrow_scalar_unsigned_half_tensor.cpp, one line changed (h * 2.0f)
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<half> twice(const Tensor<half>& h) { return h * 2.0f; }
