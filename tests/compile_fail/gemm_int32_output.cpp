// mistake: ops::gemm into an int32 output (the output is the inputs' dtype or float)
// expect-head: ops::gemm: the output's dtype must be the inputs' dtype or float
// expect: same_dtype<int, float>
#include <cstdint>

#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(Tensor<std::int32_t>& c, const Tensor<float>& a, const Tensor<float>& b) {
  ops::gemm(c, a, b);
}
