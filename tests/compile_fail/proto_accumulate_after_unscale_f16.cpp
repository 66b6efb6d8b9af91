// mistake: unscaling after each micro-batch, then accumulating (divides the sum again)
// expect-first: a scaled loss accumulates into the previous micro-batch.s ScaledGradients
// expect-head: a scaled loss accumulates into the previous micro-batch.s ScaledGradients
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& l0, const LossValue<Cpu>& l1) {
  auto scaled = model.backward(scaler.scale(l0));
  auto first = scaler.unscale(std::move(scaled));  // fix: auto first = std::move(scaled);
  auto both = model.backward(scaler.scale(l1), std::move(first));
  (void)both;
}
