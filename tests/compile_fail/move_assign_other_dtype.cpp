// mistake: move-assigning a Tensor<half> to a Tensor<float>
// expect-head: cannot be assigned to one of another dtype
// expect-head: y = cast<T>\(x\)
// expect-head: same_dtype<mantissa::half, float>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(Tensor<float>& y, Tensor<half>& x) { y = std::move(x); }
