// mistake: accumulating into named previous gradients without giving them up
// expect-first: accumulating consumes the previous token
// expect-head: accumulating consumes the previous token
// expect-head: std::move\(scaled\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& l0, const LossValue<Cpu>& l1) {
  auto scaled = model.backward(scaler.scale(l0));
  auto both = model.backward(scaler.scale(l1), scaled);  // fix: auto both = model.backward(scaler.scale(l1), std::move(scaled));
  (void)both;
}
