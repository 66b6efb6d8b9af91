// mistake: none: the positive control of narrow_scalar_double_bfloat16_tensor.cpp, one line changed (b + 0.5f)
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<bfloat16> shift(const Tensor<bfloat16>& b) { return b + 0.5f; }
