// mistake: reading an element of a Cuda tensor on the host (copy it first: to<Cpu>(x))
// expect-first: static assertion failed: mantissa: elements of a device tensor cannot
// expect-head: elements of a device tensor cannot be read on the host
// expect-head: to<Cpu>\(x\)
// expect-head: is_host_device<mantissa::Cuda>
#include "mantissa/core/core.hpp"

using namespace mantissa;

float f(Tensor<float, Cuda>& x) { return x(0, 0); }
