// mistake: an Adam<float32> built on a mixed_float16 model
// expect-first: static assertion failed: mantissa: the optimizer.s policy differs
// expect-head: the optimizer's policy differs from the model's
// expect-head: same_policy<mantissa::policy::mixed_float16, mantissa::policy::float32>
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(Sequential<policy::mixed_float16>& model) {
  Adam<policy::float32> opt(model);
}
