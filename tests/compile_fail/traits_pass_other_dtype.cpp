// mistake: passing a Tensor<half> rvalue to a function taking Tensor<float> by value
// expect-first: use of deleted function .mantissa::Tensor<T,
// expect-head: deleted
// expect-head: dtype/device never convert implicitly: cast<T>\(x\), to<D>\(x\)
// gcc-expect-head: with U = mantissa::half; E = mantissa::Cpu; T = float
#include "mantissa/core/core.hpp"

using namespace mantissa;

void consume(Tensor<float> t);
void f(const Tensor<float>& x) { consume(cast<half>(x)); }
