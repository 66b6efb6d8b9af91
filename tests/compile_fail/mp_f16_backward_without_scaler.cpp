// mistake: a mixed_float16 set-up without a loss scaler (backward straight from the loss)
// expect-first: static assertion failed: mantissa: this policy \(note below\) trains
// expect-head: trains float16 gradients, which underflow without loss scaling
// expect-head: model.backward\(scaler.scale\(loss\)\)
// expect-head: needs_loss_scaling_v<mantissa::policy::mixed_float16>
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(Sequential<policy::mixed_float16>& model, LossValue<Cpu> loss) {
  model.backward(loss);
}
