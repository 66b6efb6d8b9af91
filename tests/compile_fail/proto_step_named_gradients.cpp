// mistake: stepping on named gradients without giving them up (they could be stepped again)
// expect-first: an optimizer.s step consumes the gradients
// expect-head: an optimizer.s step consumes the gradients
// expect-head: opt.step\(std::move\(grads\), scaler\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& loss) {
  Adam opt(model);
  auto grads = scaler.unscale(model.backward(scaler.scale(loss)));
  (void)opt.step(grads, scaler);  // fix: (void)opt.step(std::move(grads), scaler);
}
