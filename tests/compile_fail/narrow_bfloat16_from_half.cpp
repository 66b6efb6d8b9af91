// mistake: bfloat16(h): 16-bit to 16-bit with no visible float in between
// expect-first: use of deleted function .mantissa::bfloat16::bfloat16\(U\) \[with U =
// expect-head: deleted
// expect-head: float only: bfloat16\(0\.1f\)
// expect-head: bfloat16::from_bits\(0x3f80\)
// expect-head: (U = mantissa::half|.mantissa::half. to .mantissa::bfloat16.)
#include "mantissa/core/core.hpp"

using namespace mantissa;

bfloat16 widen(half h) { return bfloat16(h); }
