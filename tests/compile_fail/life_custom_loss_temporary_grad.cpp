// mistake: a custom loss whose gradient is a view of a temporary tensor
// expect-first: use of deleted function.*view\(\)
// expect-head: use of deleted function.*view\(\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F32>& model, const Tensor<float>& grad) {
  LossValue<Cpu> loss(0.5f, Tensor<float>(grad.shape()).view());  // fix: LossValue<Cpu> loss(0.5f, grad.clone());
  (void)model.backward(loss);
}
