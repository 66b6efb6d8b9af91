// mistake: bfloat16{0x3f80} meant as the bit pattern of 1.0
// expect-first: use of deleted function .mantissa::bfloat16::bfloat16\(U\) \[with U =
// expect-head: deleted
// expect-head: float only: bfloat16\(0\.1f\)
// expect-head: bfloat16::from_bits\(0x3f80\)
// expect-head: (U = int|bfloat16<int>)
#include "mantissa/core/core.hpp"

using namespace mantissa;

bfloat16 one() { return bfloat16{0x3f80}; }
