// mistake: none: the positive control of narrow_half_from_unsigned.cpp, one line changed (half(7.0f))
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

half seven() { return half(7.0f); }
