// mistake: stepping on const gradients (they cannot be given up)
// expect-first: an optimizer.s step consumes the gradients
// expect-head: an optimizer.s step consumes the gradients
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<BF16>& model, const LossValue<Cpu>& loss) {
  Adam opt(model);
  const auto grads = model.backward(loss);  // fix: auto grads = model.backward(loss);
  (void)opt.step(std::move(grads));
}
