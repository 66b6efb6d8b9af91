// mistake: building a ScaledLoss by hand, skipping the LossScaler (a mixed_float16 backward without loss scaling)
// expect-first: ScaledLoss.*is private within this context
// expect-head: ScaledLoss.*is private within this context
// expect-head: made only by LossScaler::scale\(loss\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& loss) {
  ScaledLoss<Cpu> scaled(loss, 1024.0f);  // fix: auto scaled = scaler.scale(loss);
  (void)model.backward(std::move(scaled));
  (void)scaler;
}
