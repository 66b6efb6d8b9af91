// mistake: clipping gradients that nothing keeps (the clip is lost)
// expect-first: clip_grad_norm clips gradients in place, before the step that consumes them
// expect-head: clip_grad_norm clips gradients in place, before the step that consumes them
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F32>& model, const LossValue<Cpu>& loss) {
  auto grads = model.backward(loss);
  (void)clip_grad_norm(std::move(grads), 1.0f);  // fix: (void)clip_grad_norm(grads, 1.0f);
}
