// mistake: b + 0.5 on a bfloat16 tensor
// expect-first: static assertion failed: mantissa: this scalar for a floating tensor
// expect-head: scalar for a floating tensor .* is a double
// expect-head: write 0\.5f, or float\(d\)
// expect-head: is_float_scalar<double>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<bfloat16> shift(const Tensor<bfloat16>& b) { return b + 0.5; }
