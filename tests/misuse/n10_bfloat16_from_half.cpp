// mistake: converts a half to bfloat16 directly
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  mt::half h(1.5f);
  mt::bfloat16 b(h);
  return static_cast<float>(b) > 1.0f ? 0 : 1;
}
