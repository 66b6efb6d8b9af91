// mistake: reusing a named ScaledLoss for backward (it is used once)
// expect-first: a ScaledLoss is used once; scale the loss in the call
// expect-head: a ScaledLoss is used once; scale the loss in the call
// expect-head: model.backward\(scaler.scale\(loss\)\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& loss) {
  auto scaled_loss = scaler.scale(loss);
  auto scaled = model.backward(scaled_loss);  // fix: auto scaled = model.backward(std::move(scaled_loss));
  (void)scaled;
}
