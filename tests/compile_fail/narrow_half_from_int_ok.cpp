// mistake: none: the positive control of narrow_half_from_int.cpp, one line changed (half(static_cast<float>(n)))
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

half of(int n) { return half(static_cast<float>(n)); }
