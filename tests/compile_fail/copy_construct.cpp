// mistake: copying a Tensor by copy construction (Tensor is move-only; copy with x.clone())
// expect-head: use of deleted function .mantissa::Tensor<T, D>::Tensor\(const mantissa::Tensor<T, D>&\)
// expect: copy explicitly with x.clone\(\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(const Tensor<float>& x) {
  Tensor<float> y = x;
  (void)y;
}
