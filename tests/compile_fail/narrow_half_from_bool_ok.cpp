// mistake: none: the positive control of narrow_half_from_bool.cpp, one line changed (half(1.0f))
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

half one() { return half(1.0f); }
