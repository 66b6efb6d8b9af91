// mistake: none: the positive control of narrow_binary_scalar_double.cpp, one line changed (x, 0.5f))
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

void scale(Tensor<float>& out, const Tensor<float>& x) { ops::binary_scalar(default_context<Cpu>(), BinaryOp::mul, out, x, 0.5f); }
