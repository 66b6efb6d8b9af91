// mistake: making ScaledGradients by hand
// expect-first: ScaledGradients.*is private within this context
// expect-head: ScaledGradients.*is private within this context
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& loss) {
  ScaledGradients<F16, Cpu> scaled(model.trainables(), 1.0f);  // fix: auto scaled = model.backward(scaler.scale(loss));
  (void)scaled;
}
