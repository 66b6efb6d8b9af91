// mistake: copying a Tensor by copy assignment (y = x.clone() or y = std::move(x))
// expect-head: use of deleted function .mantissa::Tensor<T, D>& mantissa::Tensor<T, D>::operator=\(const mantissa::Tensor<T, D>&\)
// expect: y = x.clone\(\) or std::move\(x\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(Tensor<float>& y, const Tensor<float>& x) { y = x; }
