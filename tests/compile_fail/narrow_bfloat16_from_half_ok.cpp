// mistake: none: the positive control of narrow_bfloat16_from_half.cpp, one line changed (bfloat16(float(h)))
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

bfloat16 widen(half h) { return bfloat16(float(h)); }
