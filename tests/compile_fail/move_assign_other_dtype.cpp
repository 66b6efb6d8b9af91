// mistake: move-assigning a Tensor<half> to a Tensor<float>
// expect-head: cannot be assigned to a Tensor<T, D> of another dtype or device
// expect: y = cast<T>\(x\) or y = to<D>\(x\)
// expect: U = mantissa::half.*T = float|T = float.*U = mantissa::half
#include <utility>

#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(Tensor<float>& y, Tensor<half>& x) { y = std::move(x); }
