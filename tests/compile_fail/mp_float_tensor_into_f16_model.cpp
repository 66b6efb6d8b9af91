// mistake: feeding a Tensor<float> to a mixed_float16 model (its compute dtype is half)
// expect-head: the input's dtype is not the model's compute dtype
// expect-head: checked_cast<half>\(x\)
// expect-head: same_dtype<float, mantissa::half>
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(Sequential<policy::mixed_float16>& model, const Tensor<float>& x) {
  (void)model.forward(x);
}
