// mistake: one op on a Cpu tensor and a Cuda tensor (devices never mix implicitly)
// expect-first: static assertion failed: mantissa: the operands live on different
// expect-head: operands live on different devices
// expect: to<Cuda>\(x\) or to<Cpu>\(x\)
// expect: same_device<mantissa::Cpu, mantissa::Cuda>
#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(const Tensor<float, Cpu>& a, const Tensor<float, Cuda>& b) {
  auto c = a + b;
  (void)c;
}
