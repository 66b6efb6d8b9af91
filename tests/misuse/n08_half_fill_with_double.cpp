// mistake: ops::fill on a half tensor with a double
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto h = mt::zeros<mt::half>({4});
  mt::ops::fill(mt::default_context<mt::Cpu>(), h, 0.01);
  return 0;
}
