// mistake: a / b with a half numerator and a float denominator
// expect-first: static assertion failed: mantissa: the operands have different dtypes
// expect-head: cast<float>\(x\)
// expect-head: same_dtype<mantissa::half, float>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<half> ratio(const Tensor<half>& a, const Tensor<float>& b) { return a / b; }  // fix: Tensor<half> ratio(const Tensor<half>& a, const Tensor<float>& b) { return a / cast<half>(b); }
