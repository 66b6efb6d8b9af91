// mistake: adding a Tensor<half> to a Tensor<float> (dtypes never mix implicitly)
// expect-first: static assertion failed: mantissa: the operands have different dtypes
// expect-head: operands have different dtypes
// expect: cast<float>\(x\)
// expect: same_dtype<float, mantissa::half>
#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(const Tensor<float>& a, const Tensor<half>& b) {
  auto c = a + b;
  (void)c;
}
