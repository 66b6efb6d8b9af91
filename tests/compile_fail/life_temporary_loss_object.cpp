// mistake: calling a temporary loss object (its result points into the loss object's buffer)
// expect-first: a loss object owns the gradient buffer its LossValue points into
// expect-head: a loss object owns the gradient buffer its LossValue points into
// expect-head: SoftmaxCrossEntropy loss_fn; auto loss = loss_fn\(outputs, targets\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F32>& model, const Tensor<float>& x, const Tensor<std::int32_t>& y) {
  SoftmaxCrossEntropy loss_fn;
  auto loss = SoftmaxCrossEntropy{}(model.forward(x), y);  // fix: auto loss = loss_fn(model.forward(x), y);
  (void)model.backward(loss);
}
