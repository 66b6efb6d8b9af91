// mistake: ops::add writing float operands into a half output (cast the result explicitly)
// expect-first: static assertion failed: mantissa: the operands have different dtypes
// expect-head: operands have different dtypes
// expect: cast<float>\(x\)
// expect: same_dtype<mantissa::half, float>
#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(Tensor<half>& out, const Tensor<float>& a, const Tensor<float>& b) { ops::add(default_context<Cpu>(), out, a, b); }
