// mistake: full<bfloat16>(s, 1e-3): a double into bfloat16
// expect-first: static assertion failed: mantissa: this scalar for a floating tensor
// expect-head: scalar for a floating tensor .* is a double
// expect-head: write 0\.5f, or float\(d\)
// expect-head: is_float_scalar<double>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<bfloat16> small() { return full<bfloat16>(Shape{4}, 1e-3); }
