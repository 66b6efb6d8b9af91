// mistake: ops::gemm writing a float32 product into a half output
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto& ctx = mt::default_context<mt::Cpu>();
  auto a = mt::zeros<float>({8, 4});
  auto b = mt::zeros<float>({4, 2});
  auto c = mt::zeros<mt::half>({8, 2});
  mt::ops::gemm(ctx, c, a, b);
  return 0;
}
