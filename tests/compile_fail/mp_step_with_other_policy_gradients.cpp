// mistake: stepping a float32 model's optimizer with a bfloat16 model's gradients
// expect-first: static assertion failed: mantissa: these gradients come from a model
// expect-head: these gradients come from a model of another precision policy
// expect-head: same_policy<mantissa::policy::mixed_bfloat16, mantissa::policy::float32>
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(Sequential<policy::float32>& a, Sequential<policy::mixed_bfloat16>& b, LossValue<Cpu> l) {
  Adam opt(a);
  (void)opt.step(b.backward(l));
}
