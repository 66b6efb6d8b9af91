// mistake: move-assigning a Tensor<half> to a Tensor<float>
// expect-first: use of deleted function .mantissa::Tensor<T, D>& mantissa::Tensor<T,
// expect-head: deleted
// expect-head: other dtype/device: y = cast<T>\(x\), to<D>\(x\)
// expect-head: U = mantissa::half
// gcc-expect-head: use of deleted function .*operator=.*\[with U = mantissa::half; E = mantissa::Cpu; T = float; D = mantissa::Cpu\]
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(Tensor<float>& y, Tensor<half>& x) { y = std::move(x); }
