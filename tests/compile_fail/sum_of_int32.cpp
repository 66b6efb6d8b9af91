// mistake: reducing a Tensor<int32_t> (reductions, like all arithmetic, take floating dtypes)
// expect-first: static assertion failed: mantissa: arithmetic needs a floating dtype
// expect-head: arithmetic needs a floating dtype
// expect: cast<float>\(x\)
// expect: is_float_dtype<int>
#include <cstdint>

#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(const Tensor<std::int32_t>& labels) {
  auto total = sum(labels, 0);
  (void)total;
}
