// mistake: feeding a model a view of a temporary input (backward reads it later)
// expect-first: use of deleted function.*view\(\) const &&
// expect-head: use of deleted function.*view\(\) const &&
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, const Tensor<float>& x) {
  auto logits = model.forward(checked_cast<half>(x).view());  // fix: auto logits = model.forward(checked_cast<half>(x));
  (void)logits;
}
