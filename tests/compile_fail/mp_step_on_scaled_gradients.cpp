// mistake: stepping the optimizer on gradients that still carry the loss scale
// expect-head: an optimizer steps on unscaled gradients
// expect-first: an optimizer steps on unscaled gradients; unscale first
// expect-head: opt.step\(scaler.unscale\(std::move\(scaled\)\), scaler\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(Sequential<policy::mixed_float16>& model, LossScaler& scaler, LossValue<Cpu> loss) {
  Adam opt(model);
  (void)opt.step(model.backward(scaler.scale(loss)), scaler);
}
