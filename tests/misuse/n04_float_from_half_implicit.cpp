// mistake: reads a half tensor's element into a float variable implicitly
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto h = mt::full<mt::half>({4}, 1.5f);
  float f = h[0];
  return f > 1.0f ? 0 : 1;
}
