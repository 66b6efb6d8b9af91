// mistake: passing a pointer to the LossScaler to a step
// expect-first: the second argument of opt.step is the model.s LossScaler
// expect-head: the second argument of opt.step is the model.s LossScaler
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& loss) {
  Adam opt(model);
  (void)opt.step(scaler.unscale(model.backward(scaler.scale(loss))), &scaler);  // fix: (void)opt.step(scaler.unscale(model.backward(scaler.scale(loss))), scaler);
}
