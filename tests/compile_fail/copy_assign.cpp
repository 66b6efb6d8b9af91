// mistake: copying a Tensor by copy assignment (y = x.clone() or y = std::move(x))
// expect-first: use of deleted function .mantissa::Tensor<T, D>& mantissa::Tensor<T,
// expect-head: deleted
// expect-head: y = x.clone\(\) or std::move\(x\)
// gcc-expect-head: use of deleted function .mantissa::Tensor<T, D>& mantissa::Tensor<T, D>::operator=\(const mantissa::Tensor<T, D>&\) \[with T = float. D = mantissa::Cpu\].
#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(Tensor<float>& y, const Tensor<float>& x) { y = x; }
