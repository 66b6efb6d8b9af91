// mistake: half(true): a bool is not a number to store in a half
// expect-first: use of deleted function .mantissa::half::half\(U\) \[with U = bool\].
// expect-head: deleted
// expect-head: float only: half\(0\.1f\)
// expect-head: half::from_bits\(0x3c00\)
// expect-head: (U = bool|.bool. to .mantissa::half.)
#include "mantissa/core/core.hpp"

using namespace mantissa;

half one() { return half(true); }
