// mistake: constructing a Cpu tensor from a Cuda tensor (moving data is to<Cpu>(x))
// expect-first: use of deleted function .mantissa::Tensor<T,
// expect-head: deleted
// expect-head: dtype/device never convert implicitly: cast<T>\(x\), to<D>\(x\)
// expect-head: E = mantissa::Cuda
// gcc-expect-head: use of deleted function .*\[with U = float; E = mantissa::Cuda; T = float; D = mantissa::Cpu\]
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float, Cpu> f(Tensor<float, Cuda> x) { return Tensor<float, Cpu>(std::move(x)); }
