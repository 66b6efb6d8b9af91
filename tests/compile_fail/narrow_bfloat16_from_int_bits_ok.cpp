// mistake: none: the positive control of narrow_bfloat16_from_int_bits.cpp, one line changed (bfloat16::from_bits(0x3f80))
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

bfloat16 one() { return bfloat16::from_bits(0x3f80); }
