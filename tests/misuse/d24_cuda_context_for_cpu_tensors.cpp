// mistake: runs a CPU op in the CUDA context (copy-pasted from GPU code)
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto& ctx = mt::default_context<mt::Cuda>();
  auto a = mt::full<float>({4}, 1.0f), b = mt::full<float>({4}, 2.0f), out = mt::zeros<float>({4});
  mt::ops::add(ctx, out, a, b);
  return 0;
}
