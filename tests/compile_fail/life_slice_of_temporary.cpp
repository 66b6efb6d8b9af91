// mistake: slicing a temporary tensor
// expect-first: use of deleted function.*slice\(.*int64_t, .*int64_t\) const &&
// expect-head: use of deleted function.*slice\(.*int64_t, .*int64_t\) const &&
// expect-head: a view of a temporary tensor would dangle
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(const Tensor<float>& x) {
  auto rows = cast<half>(x).slice(0, 2);  // fix: auto rows = cast<half>(x.slice(0, 2));
  (void)rows;
}
