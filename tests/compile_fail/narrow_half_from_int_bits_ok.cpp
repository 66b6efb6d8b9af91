// mistake: none: the positive control of narrow_half_from_int_bits.cpp, one line changed (half::from_bits(0x3c00))
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

half one() { return half::from_bits(0x3c00); }
