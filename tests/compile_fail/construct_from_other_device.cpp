// mistake: constructing a Cpu tensor from a Cuda tensor (moving data is to<Cpu>(x))
// expect-head: does not move implicitly to another device
// expect-head: move it explicitly: to<D>\(x\)
// expect-head: same_device<mantissa::Cuda, mantissa::Cpu>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float, Cpu> f(Tensor<float, Cuda> x) { return Tensor<float, Cpu>(std::move(x)); }
