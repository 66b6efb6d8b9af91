// mistake: a raw float32 output gradient into a bfloat16 model
// expect-first: an output gradient is in the model.s compute dtype on its device
// expect-head: an output gradient is in the model.s compute dtype on its device
// expect-head: LossValue\(value, std::move\(grad\)\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<BF16>& model, const Tensor<float>& dy, const Tensor<bfloat16>& dy16) {
  (void)model.backward(dy);  // fix: (void)model.backward(dy16);
}
