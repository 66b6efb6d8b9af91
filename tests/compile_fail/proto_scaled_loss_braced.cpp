// mistake: brace-initialising a ScaledLoss as if it were an aggregate
// expect-first: ScaledLoss.*is private within this context
// expect-head: ScaledLoss.*is private within this context
// expect-head: made only by LossScaler::scale\(loss\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& loss) {
  auto grads = scaler.unscale(model.backward(ScaledLoss<Cpu>{loss, 1.0f}));  // fix: auto grads = scaler.unscale(model.backward(scaler.scale(loss)));
  (void)grads;
}
