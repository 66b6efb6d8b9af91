// mistake: calling a temporary loss object in a context
// expect-first: a loss object owns the gradient buffer its LossValue points into
// expect-head: a loss object owns the gradient buffer its LossValue points into
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F32>& model, const Tensor<float>& x, const Tensor<float>& t) {
  MeanSquaredError mse;
  auto loss = MeanSquaredError{}(model.context(), model.forward(x), t);  // fix: auto loss = mse(model.context(), model.forward(x), t);
  (void)loss;
}
