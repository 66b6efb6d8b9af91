// mistake: passing the model to the step as well
// expect-first: opt.step\(std::move\(grads\)\) or opt.step\(std::move\(grads\), scaler\)
// expect-head: opt.step\(std::move\(grads\)\) or opt.step\(std::move\(grads\), scaler\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& loss) {
  Adam opt(model);
  (void)opt.step(scaler.unscale(model.backward(scaler.scale(loss))), scaler, model);  // fix: (void)opt.step(scaler.unscale(model.backward(scaler.scale(loss))), scaler);
}
