// mistake: clipping gradients before unscaling them (clips S times the real norm)
// expect-head: clip_grad_norm: these gradients are still multiplied by the loss scale
// expect-first: clip_grad_norm: these gradients are still multiplied by the loss scale; unscale first
// expect-head: auto grads = scaler.unscale\(std::move\(scaled\)\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(Sequential<policy::mixed_float16>& model, LossScaler& scaler, LossValue<Cpu> loss) {
  auto scaled = model.backward(scaler.scale(loss));
  clip_grad_norm(scaled, 1.0f);
}
