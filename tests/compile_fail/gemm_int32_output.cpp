// mistake: ops::gemm into an int32 output (the output is the inputs' dtype or float)
// expect-first: static assertion failed: mantissa::ops::gemm: the output \(first type
// expect-head: ops::gemm: the output .* must have the inputs' dtype .* or be float32
// expect-head: cast<To>\(c\)
// expect-head: gemm_output_ok<int, mantissa::half>
#include <cstdint>

#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(Tensor<std::int32_t>& c, const Tensor<half>& a, const Tensor<half>& b) {
  ops::gemm(default_context<Cpu>(), c, a, b);
}
