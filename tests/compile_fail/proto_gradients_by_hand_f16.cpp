// mistake: making Gradients by hand under mixed_float16 (skipping unscale)
// expect-first: under this policy \(note below\) gradients come only from LossScaler::unscale
// expect-head: under this policy \(note below\) gradients come only from LossScaler::unscale
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& loss) {
  auto scaled = model.backward(scaler.scale(loss));
  Gradients<F16, Cpu> grads(model);  // fix: auto grads = scaler.unscale(std::move(scaled));
  Adam opt(model);
  (void)opt.step(std::move(grads), scaler);
}
