// mistake: arithmetic on Tensor<int32_t> labels (arithmetic kernels take floating dtypes only)
// expect-first: static assertion failed: mantissa: arithmetic needs a floating dtype
// expect-head: arithmetic needs a floating dtype
// expect: cast<float>\(x\)
// expect: is_float_dtype<int>
#include <cstdint>

#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(const Tensor<std::int32_t>& a, const Tensor<std::int32_t>& b) {
  auto c = a + b;
  (void)c;
}
