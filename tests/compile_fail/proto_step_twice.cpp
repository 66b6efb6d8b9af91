// mistake: stepping twice on one set of gradients
// expect-first: an optimizer.s step consumes the gradients
// expect-head: an optimizer.s step consumes the gradients
// expect-head: opt.step\(std::move\(grads\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F32>& model, const LossValue<Cpu>& loss) {
  SGD opt(model, {.lr = 0.1f});
  auto grads = model.backward(loss);
  (void)opt.step(std::move(grads));
  (void)opt.step(grads);  // fix: (void)opt.steps();
}
