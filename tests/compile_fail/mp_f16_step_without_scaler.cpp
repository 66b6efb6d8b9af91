// mistake: a mixed_float16 optimizer stepping without its loss scaler
// expect-first: an optimizer steps with its loss scaler: opt.step\(std::move\(grads\), scaler\)
// expect-head: an optimizer steps with its loss scaler: opt.step\(std::move\(grads\), scaler\)
// expect-head: needs_loss_scaling_v<mantissa::policy::mixed_float16>
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(Sequential<policy::mixed_float16>& model, LossScaler& scaler, LossValue<Cpu> loss) {
  Adam opt(model);
  auto grads = scaler.unscale(model.backward(scaler.scale(loss)));
  (void)opt.step(std::move(grads));
}
