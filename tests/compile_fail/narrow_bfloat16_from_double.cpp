// mistake: bfloat16(d) from a double
// expect-first: use of deleted function .mantissa::bfloat16::bfloat16\(U\) \[with U =
// expect-head: deleted
// expect-head: float only: bfloat16\(0\.1f\)
// expect-head: bfloat16::from_bits\(0x3f80\)
// expect-head: (U = double|.double. to .mantissa::bfloat16.)
#include "mantissa/core/core.hpp"

using namespace mantissa;

bfloat16 narrow(double d) { return bfloat16(d); }
