// mistake: copying a Tensor by copy construction (Tensor is move-only; copy with x.clone())
// expect-first: use of deleted function .mantissa::Tensor<T, D>::Tensor\(const
// expect-head: deleted
// expect-head: copy explicitly with x.clone\(\)
// gcc-expect-head: use of deleted function .mantissa::Tensor<T, D>::Tensor\(const mantissa::Tensor<T, D>&\) \[with T = float. D = mantissa::Cpu\].
#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(const Tensor<float>& x) {
  Tensor<float> y = x;
  (void)y;
}
