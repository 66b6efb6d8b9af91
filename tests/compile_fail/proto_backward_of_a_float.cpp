// mistake: calling backward with a number
// expect-first: Sequential::backward takes a loss
// expect-head: Sequential::backward takes a loss
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F32>& model, const LossValue<Cpu>& loss) {
  (void)model.backward(loss.value());  // fix: (void)model.backward(loss);
}
