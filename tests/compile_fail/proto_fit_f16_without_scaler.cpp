// mistake: fit under mixed_float16 without a LossScaler
// expect-first: fit: this policy \(note below\) needs a loss scaler
// expect-head: fit: this policy \(note below\) needs a loss scaler
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, data::ImageLoader<half>& train) {
  Adam opt(model);
  (void)fit(model, opt, SoftmaxCrossEntropy{}, train);  // fix: (void)fit(model, opt, scaler, SoftmaxCrossEntropy{}, train);
}
