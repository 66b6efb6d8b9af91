// mistake: keeping a forward output as a plain view (unchecked after the next forward)
// expect-first: use of deleted function.*OutputView<.*operator mantissa::TensorView
// expect-head: use of deleted function.*OutputView<.*operator mantissa::TensorView
// expect-head: use .view\(\) \(checked once\) or .clone\(\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F32>& model, const Tensor<float>& x) {
  TensorView<const float> y = model.forward(x);  // fix: auto y = model.forward(x);
  (void)y;
}
