// mistake: unscaling named scaled gradients without giving them up (they could be unscaled again)
// expect-first: unscale consumes the scaled gradients
// expect-head: unscale consumes the scaled gradients
// expect-head: scaler.unscale\(std::move\(scaled\)\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& loss) {
  auto scaled = model.backward(scaler.scale(loss));
  auto grads = scaler.unscale(scaled);  // fix: auto grads = scaler.unscale(std::move(scaled));
  Adam opt(model);
  (void)opt.step(std::move(grads), scaler);
}
