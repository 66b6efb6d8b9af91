// mistake: ops::binary_scalar(ctx, op, out, x, 0.5): the out-parameter form with a double
// expect-first: static assertion failed: mantissa: this scalar for a floating tensor
// expect-head: scalar for a floating tensor .* is a double
// expect-head: write 0\.5f, or float\(d\)
// expect-head: is_float_scalar<double>
#include "mantissa/core/core.hpp"

using namespace mantissa;

void scale(Tensor<float>& out, const Tensor<float>& x) { ops::binary_scalar(default_context<Cpu>(), BinaryOp::mul, out, x, 0.5); }
