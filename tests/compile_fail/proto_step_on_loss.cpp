// mistake: stepping the optimizer on the loss instead of the gradients
// expect-first: an optimizer steps on the Gradients a backward \(or LossScaler::unscale\) returned
// expect-head: an optimizer steps on the Gradients a backward \(or LossScaler::unscale\) returned
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F32>& model, const LossValue<Cpu>& loss) {
  Adam opt(model);
  (void)opt.step(loss);  // fix: (void)opt.step(model.backward(loss));
}
