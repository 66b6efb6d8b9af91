// mistake: copying a Gradients token (two steps on one set of gradients)
// expect-first: use of deleted function.*Gradients\(const mantissa::Gradients
// expect-head: use of deleted function.*Gradients\(const mantissa::Gradients
// expect-head: move-only: stepped once: opt.step\(std::move\(grads\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F32>& model, const LossValue<Cpu>& loss) {
  auto grads = model.backward(loss);
  auto again = grads;  // fix: auto again = std::move(grads);
  (void)again;
}
