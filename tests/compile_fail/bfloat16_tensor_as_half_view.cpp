// mistake: passing a Tensor<bfloat16> where a TensorView<half> is expected
// expect-first: could not convert .x. from .mantissa::Tensor<mantissa::bfloat16>. to
// expect-head: Tensor<mantissa::bfloat16(, mantissa::Cpu)?>. to .(mantissa::)?TensorView<mantissa::half(, mantissa::Cpu)?>.
// gcc-expect-head: could not convert .x. from .mantissa::Tensor<mantissa::bfloat16(, mantissa::Cpu)?>. to .mantissa::TensorView<mantissa::half(, mantissa::Cpu)?>.
#include "mantissa/core/core.hpp"

using namespace mantissa;

void layer_forward(TensorView<half> activations);

void f(Tensor<bfloat16>& x) { layer_forward(x); }
