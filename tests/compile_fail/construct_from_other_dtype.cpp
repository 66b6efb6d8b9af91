// mistake: constructing a Tensor<float> from a Tensor<half>
// expect-head: does not convert implicitly to a Tensor<T, D> of another dtype or device
// expect: cast<T>\(x\) or to<D>\(x\)
// expect: U = mantissa::half.*T = float|T = float.*U = mantissa::half
#include <utility>

#include "mantissa/mantissa.hpp"

using namespace mantissa;

Tensor<float> f(Tensor<half> x) {
  Tensor<float> y = std::move(x);
  return y;
}
