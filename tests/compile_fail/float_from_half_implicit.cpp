// mistake: implicit half -> float conversion (widen visibly: static_cast<float>(h))
// expect-head: cannot convert .mantissa::half. to .float. in initialization
#include "mantissa/mantissa.hpp"

using namespace mantissa;

float widen(half h) {
  float f = h;
  return f;
}
