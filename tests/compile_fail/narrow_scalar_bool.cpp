// mistake: x * true: a bool scalar
// expect-first: static assertion failed: mantissa: this scalar for a floating tensor
// expect-head: scalar for a floating tensor .* is a bool
// expect-head: write 1\.0f or 0\.0f
// expect-head: is_float_scalar<bool>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> same(const Tensor<float>& x) { return x * true; }
