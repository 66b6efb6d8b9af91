// mistake: matmul of a Cuda tensor and a Cpu tensor
// expect-first: static assertion failed: mantissa: the operands live on different
// expect-head: operands live on different devices
// expect: to<Cuda>\(x\) or to<Cpu>\(x\)
// expect: same_device<mantissa::Cuda, mantissa::Cpu>
#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(const Tensor<half, Cuda>& w, const Tensor<half, Cpu>& x) {
  auto y = matmul(w, x);
  (void)y;
}
