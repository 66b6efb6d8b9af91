// mistake: none: the positive control of narrow_half_from_double.cpp, one line changed (half(0.1f))
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

half tenth() { return half(0.1f); }
