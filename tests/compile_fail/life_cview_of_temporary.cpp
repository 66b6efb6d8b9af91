// mistake: a read-only view of a temporary tensor through cview
// expect-first: use of deleted function.*cview
// expect-head: use of deleted function.*cview
// expect-head: a view of a temporary tensor would dangle
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(const Tensor<float>& x) {
  auto v = cview(cast<bfloat16>(x));  // fix: auto v = cview(x);
  (void)v;
}
