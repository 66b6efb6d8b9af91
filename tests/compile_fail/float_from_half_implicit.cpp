// mistake: implicit half -> float conversion (widen visibly: static_cast<float>(h))
// expect-first: cannot convert .mantissa::half. to .float. in initialization
// expect-head: .mantissa::half. to .float.
// gcc-expect-head: cannot convert .mantissa::half. to .float. in initialization
#include "mantissa/core/core.hpp"

using namespace mantissa;

float widen(half h) {
  float f = h;
  return f;
}
