// mistake: x / 3.0: a double scalar divisor for a floating tensor
// expect-first: static assertion failed: mantissa: this scalar for a floating tensor
// expect-head: is a double
// expect-head: write 0\.5f, or float\(d\)
// expect-head: is_float_scalar<double>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> third(const Tensor<float>& x) { return x / 3.0; }  // fix: Tensor<float> third(const Tensor<float>& x) { return x / 3.0f; }
