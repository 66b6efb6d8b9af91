// mistake: adding a Tensor<bfloat16> and a Tensor<half> (two 16-bit formats, still two dtypes)
// expect-first: static assertion failed: mantissa: the operands have different dtypes
// expect-head: operands have different dtypes
// expect: cast<float>\(x\)
// expect: same_dtype<mantissa::bfloat16, mantissa::half>
#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(const Tensor<bfloat16>& a, const Tensor<half>& b) {
  auto c = a * b;
  (void)c;
}
