// mistake: an op on a device that has no kernel for it (relu on a Cuda tensor, before the CUDA backend has one)
// expect-head: this device has no kernel for this op and dtype
// expect-head: has_kernel<mantissa::op::activation, mantissa::Cuda, float>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float, Cuda> f(const Tensor<float, Cuda>& x) { return relu(x); }
