// mistake: a custom loss returning a half value and gradient (losses are float32 by signature)
// expect-first: static assertion failed: mantissa::LossValue: a loss.s value and
// expect-head: a loss's value and gradient are float32
// expect-head: is_float32<mantissa::half>
#include "mantissa/mantissa.hpp"

using namespace mantissa;

LossValue<Cpu> my_loss(const Tensor<half>& dlogits) {
  return LossValue<Cpu>(half(0.5f), dlogits.view());
}
