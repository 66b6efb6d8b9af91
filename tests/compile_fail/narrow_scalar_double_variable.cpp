// mistake: x * lr where lr is a double variable
// expect-first: static assertion failed: mantissa: this scalar for a floating tensor
// expect-head: scalar for a floating tensor .* is a double
// expect-head: write 0\.5f, or float\(d\)
// expect-head: is_float_scalar<double>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> scale(const Tensor<float>& x, double lr) { return x * lr; }
