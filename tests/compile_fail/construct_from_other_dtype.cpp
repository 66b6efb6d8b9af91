// mistake: constructing a Tensor<float> from a Tensor<half>
// expect-first: use of deleted function .mantissa::Tensor<T,
// expect-head: deleted
// expect-head: dtype/device never convert implicitly: cast<T>\(x\), to<D>\(x\)
// expect-head: Tensor<mantissa::half
// gcc-expect-head: use of deleted function .*\[with U = mantissa::half; E = mantissa::Cpu; T = float; D = mantissa::Cpu\]
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> f(Tensor<half> x) {
  Tensor<float> y = std::move(x);
  return y;
}
