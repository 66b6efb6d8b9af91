// mistake: passing a forward output to a function taking a plain view
// expect-first: use of deleted function.*OutputView<.*operator mantissa::TensorView
// expect-head: use of deleted function.*OutputView<.*operator mantissa::TensorView
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

float first(TensorView<const float> y) { return y[0]; }
void f(Sequential<F32>& model, const Tensor<float>& x) {
  auto y = model.forward(x);
  (void)first(y);  // fix: (void)first(y.view());
}
