// mistake: unscaling gradients that are already unscaled
// expect-first: these gradients are already unscaled
// expect-head: these gradients are already unscaled
// expect-head: opt.step\(std::move\(grads\), scaler\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<BF16>& model, LossScaler& scaler, const LossValue<Cpu>& loss) {
  auto grads = model.backward(loss);
  auto twice = scaler.unscale(std::move(grads));  // fix: auto twice = std::move(grads);
  (void)twice;
}
