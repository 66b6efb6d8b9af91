// mistake: stepping with a const LossScaler (the step updates the scale)
// expect-first: the second argument of opt.step is the model.s LossScaler, passed as a non-const reference
// expect-head: the second argument of opt.step is the model.s LossScaler, passed as a non-const reference
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& loss) {
  const LossScaler& fixed = scaler;  // fix: LossScaler& fixed = scaler;
  Adam opt(model);
  (void)opt.step(scaler.unscale(model.backward(scaler.scale(loss))), fixed);
}
