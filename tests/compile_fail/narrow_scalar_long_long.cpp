// mistake: x + n where n is a long long (a count)
// expect-first: static assertion failed: mantissa: this scalar for a floating tensor
// expect-head: scalar for a floating tensor .* is an integer
// expect-head: write 2\.0f, or float\(n\)
// expect-head: is_float_scalar<long long( int)?>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> plus(const Tensor<float>& x, long long n) { return x + n; }
