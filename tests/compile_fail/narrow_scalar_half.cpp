// mistake: h * s where s is a half scalar: widen it, float(s)
// expect-first: static assertion failed: mantissa: this scalar for a floating tensor
// expect-head: scalar for a floating tensor .* is a 16-bit float
// expect-head: float\(h\)
// expect-head: is_float_scalar<mantissa::half>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<half> scale(const Tensor<half>& h, half s) { return h * s; }
