// mistake: ops::add writing into a read-only TensorView<const float> (pass a mutable view or tensor)
// expect-first: static assertion failed: mantissa: the output argument is read-only
// expect-head: the output argument is read-only
// expect-head: is_writable<mantissa::TensorView<const float(, mantissa::Cpu)?> ?&>
#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(TensorView<const float> out, const Tensor<float>& a, const Tensor<float>& b) {
  ops::add(default_context<Cpu>(), out, a, b);
}
