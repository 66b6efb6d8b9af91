// mistake: x - 1e-50: a double that narrows to 0 in float (the op does nothing)
// expect-first: static assertion failed: mantissa: this scalar for a floating tensor
// expect-head: scalar for a floating tensor .* is a double
// expect-head: write 0\.5f, or float\(d\)
// expect-head: is_float_scalar<double>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> shift(const Tensor<float>& x) { return x - 1e-50; }
