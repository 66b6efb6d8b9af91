// mistake: calling view() on a temporary tensor
// expect-first: use of deleted function.*view\(\) const &&
// expect-head: use of deleted function.*view\(\) const &&
// expect-head: a view of a temporary tensor would dangle
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(const Tensor<float>& x) {
  auto v = cast<half>(x).view();  // fix: auto v = cast<half>(x);
  (void)v;
}
