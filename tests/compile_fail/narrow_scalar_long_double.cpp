// mistake: x * 2.0L: a long double scalar
// expect-first: static assertion failed: mantissa: this scalar for a floating tensor
// expect-head: scalar for a floating tensor .* is a double
// expect-head: write 0\.5f
// expect-head: is_float_scalar<long double>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> twice(const Tensor<float>& x) { return x * 2.0L; }
