// mistake: constructing a Tensor<float> from a Tensor<half>
// expect-head: does not convert implicitly to another dtype
// expect-head: convert explicitly: cast<T>\(x\)
// expect-head: same_dtype<mantissa::half, float>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> f(Tensor<half> x) {
  Tensor<float> y = std::move(x);
  return y;
}
