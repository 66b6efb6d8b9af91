// mistake: passing a Tensor<bfloat16> where a TensorView<half> is expected
// expect-head: could not convert .x. from .mantissa::Tensor<mantissa::bfloat16>. to .mantissa::TensorView<mantissa::half>.
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void layer_forward(TensorView<half> activations);

void f(Tensor<bfloat16>& x) { layer_forward(x); }
