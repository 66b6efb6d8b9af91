// mistake: copying ScaledGradients (two unscales of one buffer)
// expect-first: use of deleted function.*ScaledGradients\(const mantissa::ScaledGradients
// expect-head: use of deleted function.*ScaledGradients\(const mantissa::ScaledGradients
// expect-head: move-only: unscaled once: scaler.unscale\(std::move\(scaled\)\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& loss) {
  auto scaled = model.backward(scaler.scale(loss));
  auto copy = scaled;  // fix: auto copy = std::move(scaled);
  (void)copy;
}
