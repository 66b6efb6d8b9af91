// mistake: a mixed_float16 backward straight from the loss: no loss scaling
// expect-first: this policy \(note below\) trains float16 gradients, which underflow without loss scaling
// expect-head: this policy \(note below\) trains float16 gradients, which underflow without loss scaling
// expect-head: needs_loss_scaling_v<mantissa::policy::mixed_float16>
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& loss) {
  auto grads = model.backward(loss);  // fix: auto grads = scaler.unscale(model.backward(scaler.scale(loss)));
  (void)grads, (void)scaler;
}
