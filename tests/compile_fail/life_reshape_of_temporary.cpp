// mistake: reshaping a temporary tensor
// expect-first: use of deleted function.*reshape\(mantissa::Shape\) const &&
// expect-head: use of deleted function.*reshape\(mantissa::Shape\) const &&
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(const Tensor<float>& x) {
  auto flat = x.clone().reshape(Shape{x.numel()});  // fix: auto flat = x.reshape(Shape{x.numel()});
  (void)flat;
}
