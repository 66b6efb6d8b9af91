// mistake: clipping a tensor with clip_grad_norm
// expect-first: clip_grad_norm clips the Gradients that a backward or LossScaler::unscale returned
// expect-head: clip_grad_norm clips the Gradients that a backward or LossScaler::unscale returned
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F32>& model, const LossValue<Cpu>& loss, Tensor<float>& g) {
  auto grads = model.backward(loss);
  (void)clip_grad_norm(g, 1.0f);  // fix: (void)clip_grad_norm(grads, 1.0f);
}
