// mistake: constructing a Cpu tensor from a Cuda tensor (moving data is to<Cpu>(x))
// expect-head: does not convert implicitly to a Tensor<T, D> of another dtype or device
// expect: to<D>\(x\)
// expect: E = mantissa::Cuda
#include <utility>

#include "mantissa/mantissa.hpp"

using namespace mantissa;

Tensor<float, Cpu> f(Tensor<float, Cuda> x) { return Tensor<float, Cpu>(std::move(x)); }
