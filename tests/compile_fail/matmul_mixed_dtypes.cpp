// mistake: matmul of a Tensor<float> and a Tensor<bfloat16>
// expect-first: static assertion failed: mantissa: the operands have different dtypes
// expect-head: operands have different dtypes
// expect: cast<float>\(x\)
// expect: same_dtype<float, mantissa::bfloat16>
#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(const Tensor<float>& w, const Tensor<bfloat16>& x) {
  auto y = matmul(w, x);
  (void)y;
}
