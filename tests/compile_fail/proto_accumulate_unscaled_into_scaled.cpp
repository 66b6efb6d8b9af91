// mistake: accumulating an unscaled micro-batch into scaled gradients
// expect-first: an unscaled loss accumulates into the previous micro-batch.s Gradients
// expect-head: an unscaled loss accumulates into the previous micro-batch.s Gradients
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<BF16>& model, LossScaler& scaler, const LossValue<Cpu>& l0, const LossValue<Cpu>& l1) {
  auto scaled = model.backward(scaler.scale(l0));
  auto more = model.backward(l1, std::move(scaled));  // fix: auto more = model.backward(scaler.scale(l1), std::move(scaled));
  (void)more;
}
