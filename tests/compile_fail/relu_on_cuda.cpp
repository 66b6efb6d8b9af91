// mistake: an op that has no CUDA kernel yet, on a Cuda tensor
// expect-head: this op has no CUDA kernel yet
// expect: to<Cpu>\(x\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(const Tensor<float, Cuda>& x) {
  auto y = relu(x);
  (void)y;
}
