// mistake: returning a Tensor<half> from a function declared to return Tensor<float>
// expect-first: use of deleted function .mantissa::Tensor<T,
// expect-head: deleted
// expect-head: dtype/device never convert implicitly: cast<T>\(x\), to<D>\(x\)
// gcc-expect-head: with U = mantissa::half; E = mantissa::Cpu; T = float
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> widen(Tensor<half> x) { return x; }
