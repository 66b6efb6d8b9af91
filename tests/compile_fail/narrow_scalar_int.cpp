// mistake: x * 2: an int scalar (write 2.0f)
// expect-first: static assertion failed: mantissa: this scalar for a floating tensor
// expect-head: scalar for a floating tensor .* is an integer
// expect-head: write 2\.0f, or float\(n\)
// expect-head: is_float_scalar<int>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> twice(const Tensor<float>& x) { return x * 2; }
