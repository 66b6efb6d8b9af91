// mistake: ops::fill(h, 0.5): a double into a half tensor (rounded twice)
// expect-first: static assertion failed: mantissa: this scalar for a floating tensor
// expect-head: scalar for a floating tensor .* is a double
// expect-head: write 0\.5f, or float\(d\)
// expect-head: is_float_scalar<double>
#include "mantissa/core/core.hpp"

using namespace mantissa;

void halves(Tensor<half>& h) { ops::fill(default_context<Cpu>(), h, 0.5); }
