// mistake: feeding a Tensor<float> to a mixed_float16 model (its compute dtype is half)
// expect-first: this mixed_float16 model takes float16 input, and the input.s dtype differs
// expect-head: this mixed_float16 model takes float16 input
// expect-head: checked_cast<half>\(x\)
// expect-head: same_dtype<float, mantissa::half>
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(Sequential<policy::mixed_float16>& model, const Tensor<float>& x) {
  (void)model.forward(x);
}
