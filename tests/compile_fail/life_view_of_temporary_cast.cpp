// mistake: binding a view to a temporary tensor (it dies at the end of the statement)
// expect-first: use of deleted function.*operator mantissa::TensorView<const T, D>\(\) const &&
// expect-head: use of deleted function.*operator mantissa::TensorView<const T, D>\(\) const &&
// expect-head: a view of a temporary tensor would dangle
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(const Tensor<float>& x) {
  TensorView<const half> v = cast<half>(x);  // fix: Tensor<half> v = cast<half>(x);
  (void)v;
}
