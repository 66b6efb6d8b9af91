// mistake: accumulating a scaled micro-batch into unscaled gradients (mixed scales in one buffer)
// expect-first: a scaled loss accumulates into the previous micro-batch.s ScaledGradients
// expect-head: a scaled loss accumulates into the previous micro-batch.s ScaledGradients
// expect-head: unscaled once, after the last micro-batch
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<BF16>& model, LossScaler& scaler, const LossValue<Cpu>& l0, const LossValue<Cpu>& l1) {
  auto grads = scaler.unscale(model.backward(scaler.scale(l0)));
  auto more = model.backward(scaler.scale(l1), std::move(grads));  // fix: auto more = model.backward(l1, std::move(grads));
  (void)more;
}
