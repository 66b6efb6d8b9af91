// mistake: h * 2u on a half tensor: scalars of 16-bit tensors are float too
// expect-first: static assertion failed: mantissa: this scalar for a floating tensor
// expect-head: scalar for a floating tensor .* is an integer
// expect-head: write 2\.0f, or float\(n\)
// expect-head: is_float_scalar<unsigned int>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<half> twice(const Tensor<half>& h) { return h * 2u; }
