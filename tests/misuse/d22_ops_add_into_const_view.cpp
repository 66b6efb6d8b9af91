// mistake: writes an op's result into a cview (read-only) output
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto& ctx = mt::default_context<mt::Cpu>();
  auto a = mt::full<float>({4}, 1.0f), b = mt::full<float>({4}, 2.0f), out = mt::zeros<float>({4});
  mt::ops::add(ctx, mt::cview(out), a, b);
  return 0;
}
