// mistake: a mixed_float16 backward from a raw output gradient: no loss scaling
// expect-first: this policy \(note below\) trains float16 gradients, which underflow without loss scaling
// expect-head: this policy \(note below\) trains float16 gradients, which underflow without loss scaling
// expect-head: model.backward\(scaler.scale\(loss\)\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& loss, const Tensor<half>& dy) {
  (void)model.backward(dy.view());  // fix: (void)model.backward(scaler.scale(loss));
  (void)scaler, (void)loss;
}
